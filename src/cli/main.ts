import { Command, CommanderError } from 'commander';
import { packageVersion } from '../config/package-version.ts';
import { registerAverageCommand } from './commands/average-command.ts';
import { registerEngineCommands } from './commands/engine-commands.ts';
import { registerRegroupCommand } from './commands/regroup-command.ts';
import { registerRoleCommands } from './commands/role-commands.ts';
import { registerUsersCommand } from './commands/users-command.ts';
import { printError } from './output.ts';

/** Builds the `faceflow` program; each command module registers its own subcommands. */
export function buildProgram(): Command {
  const program = new Command('faceflow')
    .description('Distributed face recognition: detect, embed and match faces; run the pipeline roles.')
    .version(packageVersion(), '-V, --version', 'print the version of faceflow')
    .showHelpAfterError()
    .exitOverride();
  registerEngineCommands(program);
  registerRoleCommands(program);
  registerAverageCommand(program);
  registerUsersCommand(program);
  registerRegroupCommand(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return printError(error, argv.includes('--json'));
  }
}
