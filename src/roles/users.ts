import type { Kysely } from 'kysely';
import { SqlAuditLog } from '../adapters/sql/audit-log.sql.ts';
import type { Database } from '../adapters/sql/schema.ts';
import { SqlUserStore } from '../adapters/sql/user-store.sql.ts';
import { resetSecondFactor } from '../app/auth/two-factor.ts';
import { createUser } from '../app/auth/user-admin.ts';
import type { MigrateConfig } from '../config/roles.config.ts';
import { AppError } from '../core/errors.ts';
import { SYSTEM_ACTOR } from '../ports/audit-log.ts';
import { systemClock } from '../ports/clock.ts';
import type { UserRecord } from '../ports/user-store.ts';
import { openDatabase } from './database.ts';

type StoreConfig = Pick<MigrateConfig, 'DATABASE_URL' | 'DATABASE_STATEMENT_TIMEOUT_MS'>;

/** The configured database (migrated when needed) for `work`, closed afterwards. */
async function withDatabase<T>(config: StoreConfig, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const handle = await openDatabase(config.DATABASE_URL, {
    poolSize: 1,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  try {
    return await work(handle.db);
  } finally {
    await handle.close();
  }
}

/**
 * `faceflow users create-admin`: an admin account on the configured database (the same DATA_DIR or
 * DATABASE_URL as the server), migrating it first when needed. Works whether or not a server runs.
 */
export function createAdminAccount(config: StoreConfig, name: string, password: string): Promise<UserRecord> {
  return withDatabase(config, (db) =>
    createUser({ users: new SqlUserStore(db), clock: systemClock }, { name, password, role: 'admin' }),
  );
}

/**
 * `faceflow users reset-2fa`: turns off the second factor of the user named `name` (any spelling of the
 * name) from the server's machine, for an admin who lost both phone and recovery codes: recovery codes
 * deleted, sessions ended, recorded in the audit log as done by the system.
 */
export function resetUserSecondFactor(config: StoreConfig, name: string): Promise<UserRecord> {
  return withDatabase(config, async (db) => {
    const users = new SqlUserStore(db);
    const user = await users.userByName(name);
    if (!user) throw new AppError('not_found', `no user named ${JSON.stringify(name)}`);
    const audit = new SqlAuditLog(db, systemClock);
    await resetSecondFactor({ users, clock: systemClock, audit }, SYSTEM_ACTOR, user.id, { via: 'cli' });
    return user;
  });
}
