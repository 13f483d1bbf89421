import type { MigrateConfig } from '../config/roles.config.ts';
import { migrateDatabase, openDatabase } from './wiring/stores.ts';

/** `faceflow migrate`: brings the database schema up to date and exits; returns the migrations applied. */
export async function runMigrations(config: MigrateConfig): Promise<string[]> {
  const database = await openDatabase(config, {
    poolSize: 1,
    // A migration may rewrite a large table.
    statementTimeoutMs: Math.max(config.DATABASE_STATEMENT_TIMEOUT_MS, 600_000),
    migrate: false,
  });
  try {
    return await migrateDatabase(database);
  } finally {
    await database.close();
  }
}
