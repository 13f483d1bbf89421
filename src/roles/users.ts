import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import { SqlUserStore } from '../adapters/sqlite/user-store.sql.ts';
import { createUser } from '../app/auth/user-admin.ts';
import type { MigrateConfig } from '../config/roles.config.ts';
import { systemClock } from '../ports/clock.ts';
import type { UserRecord } from '../ports/user-store.ts';

/**
 * `faceflow users create-admin`: an admin account on the configured database (the same DATA_DIR or
 * DATABASE_URL as the server), migrating it first when needed. Works whether or not a server runs.
 */
export async function createAdminAccount(
  config: Pick<MigrateConfig, 'DATABASE_URL' | 'DATABASE_STATEMENT_TIMEOUT_MS'>,
  name: string,
  password: string,
): Promise<UserRecord> {
  let handle: {
    db: import('kysely').Kysely<import('../adapters/sqlite/schema.ts').Database>;
    close(): Promise<void>;
  };
  if (config.DATABASE_URL.startsWith('sqlite:'))
    handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL));
  else {
    const { openPostgres } = await import('../adapters/postgres/postgres-database.ts');
    handle = await openPostgres({
      url: config.DATABASE_URL,
      poolSize: 1,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
  }
  try {
    return await createUser(
      { users: new SqlUserStore(handle.db), clock: systemClock },
      { name, password, role: 'admin' },
    );
  } finally {
    await handle.close();
  }
}
