import { roleEnvKeys } from '../../../src/config/roles.config.ts';

/** The roles the manifests run (issue 5's set, and issue 18's search). */
export const DEPLOYED_ROLES = ['api', 'worker', 'recognizer', 'search', 'redeemer', 'migrate'] as const;

/**
 * Roles that issue 5 adds to the CLI and that the manifests already run. While one is listed here and
 * absent from the CLI, the tests say so instead of failing; once the CLI has it, a test fails until it
 * is removed from this list (and its env keys are then checked against its own schema).
 */
export const ROLES_COMING_WITH_ISSUE_5: readonly string[] = [];

/** The subcommands of the real `faceflow` program. */
export async function cliCommands(): Promise<Set<string>> {
  const { buildProgram } = await import('../../../src/cli/main.ts');
  return new Set(buildProgram().commands.map((c) => c.name()));
}

const schemaKeys = roleEnvKeys as Readonly<Record<string, readonly string[]>>;
const allKeys = new Set(Object.values(schemaKeys).flat());

/**
 * The env keys `role` may be given: its schema's keys; for a role whose schema does not exist yet,
 * the keys that some role's schema reads.
 */
export function keysForRole(role: string): ReadonlySet<string> {
  const own = schemaKeys[role];
  if (own) return new Set(own);
  if (!ROLES_COMING_WITH_ISSUE_5.includes(role)) throw new Error(`unknown role ${role}`);
  return allKeys;
}
