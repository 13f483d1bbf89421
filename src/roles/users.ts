import { resetSecondFactor } from '../app/auth/two-factor.ts';
import { createUser } from '../app/auth/user-admin.ts';
import { AppError } from '../core/errors.ts';
import { SYSTEM_ACTOR } from '../ports/audit-log.ts';
import { systemClock } from '../ports/clock.ts';
import type { UserRecord } from '../ports/user-store.ts';
import { type DatabaseConfig, openDatabase, openStores, type Stores } from './wiring/stores.ts';

/** The stores of the configured database (migrated when needed) for `work`, closed afterwards. */
async function withStores<T>(config: DatabaseConfig, work: (stores: Stores) => Promise<T>): Promise<T> {
  const database = await openDatabase(config, { poolSize: 1 });
  try {
    return await work(await openStores(database, systemClock));
  } finally {
    await database.close();
  }
}

/**
 * `faceflow users create-admin`: an admin account on the configured database (the same DATA_DIR or
 * DATABASE_URL as the server), migrating it first when needed. Works whether or not a server runs.
 */
export function createAdminAccount(
  config: DatabaseConfig,
  name: string,
  password: string,
): Promise<UserRecord> {
  return withStores(config, ({ users }) =>
    createUser({ users, clock: systemClock }, { name, password, role: 'admin' }),
  );
}

/**
 * `faceflow users reset-2fa`: turns off the second factor of the user named `name` (any spelling of the
 * name) from the server's machine, for an admin who lost both phone and recovery codes: recovery codes
 * deleted, sessions ended, recorded in the audit log as done by the system.
 */
export function resetUserSecondFactor(config: DatabaseConfig, name: string): Promise<UserRecord> {
  return withStores(config, async ({ users, audit }) => {
    const user = await users.userByName(name);
    if (!user) throw new AppError('not_found', `no user named ${JSON.stringify(name)}`);
    await resetSecondFactor({ users, clock: systemClock, audit }, SYSTEM_ACTOR, user.id, { via: 'cli' });
    return user;
  });
}
