import { migrateToLatest } from '../adapters/sql/migrations/migrations.ts';
import type { MigrateConfig } from '../config/roles.config.ts';
import { openDatabase } from './database.ts';

/** `faceflow migrate`: brings the database schema up to date and exits; returns the migrations applied. */
export async function runMigrations(config: MigrateConfig): Promise<string[]> {
  const handle = await openDatabase(config.DATABASE_URL, {
    poolSize: 1,
    statementTimeoutMs: Math.max(config.DATABASE_STATEMENT_TIMEOUT_MS, 600_000),
    migrate: false,
  });
  try {
    return await migrateToLatest(handle.db, handle.types, handle.migrationSchema);
  } finally {
    await handle.close();
  }
}
