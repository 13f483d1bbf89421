import type { Command } from 'commander';
import { loadRegroupConfig } from '../../config/roles.config.ts';
import { printJson } from '../output.ts';

/** `faceflow regroup`: the batch re-grouping of unknown faces into suggested people, on the configured database. */
export function registerRegroupCommand(program: Command): void {
  program
    .command('regroup')
    .description(
      're-group every face without a person into suggested people (DATA_DIR / DATABASE_URL); prints the number of groups',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadRegroupConfig();
      const { regroupDatabase } = await import('../../roles/regroup.ts');
      const result = await regroupDatabase(config);
      if (options.json) printJson(result);
      else
        process.stdout.write(
          `${result.groups} groups (${result.suggestions} suggested people of ${config.GROUPING_MIN_FACES}+ faces) from ${result.faces} unknown faces\n`,
        );
    });
}
