import { migrateToLatest, POSTGRES_TYPES, SQLITE_TYPES } from '../adapters/sql/migrations/migrations.ts';
import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import type { MigrateConfig } from '../config/roles.config.ts';

/** `faceflow migrate`: brings the database schema up to date and exits; returns the migrations applied. */
export async function runMigrations(config: MigrateConfig): Promise<string[]> {
  if (!config.DATABASE_URL.startsWith('sqlite:')) {
    const { openPostgres } = await import('../adapters/postgres/postgres-database.ts');
    const handle = await openPostgres({
      url: config.DATABASE_URL,
      poolSize: 1,
      statementTimeoutMs: Math.max(config.DATABASE_STATEMENT_TIMEOUT_MS, 600_000),
      migrate: false,
    });
    try {
      return await migrateToLatest(handle.db, POSTGRES_TYPES, handle.schema);
    } finally {
      await handle.close();
    }
  }
  const handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL), { migrate: false });
  try {
    return await migrateToLatest(handle.db, SQLITE_TYPES);
  } finally {
    await handle.close();
  }
}
