import { SqlAverageJobStore } from '../adapters/sql/average-job-store.sql.ts';
import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import type { AverageJobStore } from '../ports/average-job-store.ts';
import { databaseKind, openDatabase } from './database.ts';

export interface AverageStoreHandle {
  /** Null where the configured database has no average-job adapter. */
  averages: AverageJobStore | null;
  close(): Promise<void>;
}

/**
 * The average-job store on the configured database. On SQLite it has a connection of its own, which
 * never waits for a lock inside SQLite (busy_timeout 0: better-sqlite3 would block the event loop while
 * the process's other connection holds a transaction open across an await); the store retries busy
 * statements asynchronously instead, and writes with single statements, so it never holds a lock itself.
 */
export async function openAverageStore(config: {
  DATABASE_URL: string;
  DATABASE_STATEMENT_TIMEOUT_MS?: number;
}): Promise<AverageStoreHandle> {
  if (databaseKind(config.DATABASE_URL) !== 'sqlite') {
    // PostgreSQL and MySQL have no such lock trap: a small pool of its own is enough
    const handle = await openDatabase(config.DATABASE_URL, {
      poolSize: 2,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
    return { averages: new SqlAverageJobStore(handle.db), close: () => handle.close() };
  }
  const handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL));
  const store = new SqlAverageJobStore(handle.db, { retryBusy: true });
  await store.disableBusyWait();
  return { averages: store, close: () => handle.close() };
}
