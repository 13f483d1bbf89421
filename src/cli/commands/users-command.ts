import type { Command } from 'commander';
import { loadMigrateConfig } from '../../config/roles.config.ts';
import { AppError } from '../../core/errors.ts';
import { printJson } from '../output.ts';

/** All of stdin as text, without the one line break `echo` or a heredoc adds. */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new AppError(
      'invalid_input',
      '--password-stdin reads the password from a pipe, e.g. `printf %s "$PW" | …`',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `faceflow users create-admin --name <n> --password-stdin`: the first (or another) admin, for scripts. */
export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('manage user accounts (on DATA_DIR / DATABASE_URL)');
  users
    .command('create-admin')
    .description('create an admin account; the password comes from stdin (at least 12 characters)')
    .requiredOption('--name <name>', 'user name (letters, digits, . _ @ -)')
    .option('--password-stdin', 'read the password from stdin (the only way: never on the command line)')
    .option('--json', 'print the result as JSON')
    .action(async (options: { name: string; passwordStdin?: boolean; json?: boolean }) => {
      if (!options.passwordStdin)
        throw new AppError('invalid_input', 'give the password on stdin with --password-stdin');
      const config = loadMigrateConfig();
      const password = await readPasswordFromStdin();
      const { createAdminAccount } = await import('../../roles/users.ts');
      const user = await createAdminAccount(config, options.name, password);
      if (options.json) printJson({ user: { id: user.id, name: user.name, role: user.role } });
      else process.stdout.write(`created admin ${user.name} (${user.id})\n`);
    });
  users
    .command('reset-2fa')
    .description(
      "turn off a user's two-factor sign-in (lost phone and recovery codes); ends their sessions, audited",
    )
    .requiredOption('--name <name>', 'user name')
    .option('--json', 'print the result as JSON')
    .action(async (options: { name: string; json?: boolean }) => {
      const config = loadMigrateConfig();
      const { resetUserSecondFactor } = await import('../../roles/users.ts');
      const user = await resetUserSecondFactor(config, options.name);
      if (options.json) printJson({ user: { id: user.id, name: user.name, totpEnabled: false } });
      else process.stdout.write(`two-factor sign-in of ${user.name} is off; their sessions ended\n`);
    });
}
