import { migrateToLatest, SQLITE_TYPES } from '../adapters/sqlite/migrations.ts';
import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import type { MigrateConfig } from '../config/roles.config.ts';

/** `faceflow migrate`: brings the database schema up to date and exits; returns the migrations applied. */
export async function runMigrations(config: MigrateConfig): Promise<string[]> {
  const handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL), { migrate: false });
  try {
    return await migrateToLatest(handle.db, SQLITE_TYPES);
  } finally {
    await handle.close();
  }
}
