import { SqlAverageJobStore } from '../adapters/sqlite/average-job-store.sqlite.ts';
import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import type { AverageJobStore } from '../ports/average-job-store.ts';

export interface AverageStoreHandle {
  /** Null where the configured database has no average-job adapter yet (PostgreSQL: to come). */
  averages: AverageJobStore | null;
  close(): Promise<void>;
}

/**
 * The average-job store on the configured SQLite file, on a connection of its own. That connection
 * never waits for a lock inside SQLite (busy_timeout 0: better-sqlite3 would block the event loop while
 * the process's other connection holds a transaction open across an await); the store retries busy
 * statements asynchronously instead, and writes with single statements, so it never holds a lock itself.
 */
export async function openAverageStore(config: { DATABASE_URL: string }): Promise<AverageStoreHandle> {
  if (!config.DATABASE_URL.startsWith('sqlite:')) return { averages: null, close: async () => {} };
  const handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL));
  const store = new SqlAverageJobStore(handle.db, { retryBusy: true });
  await store.disableBusyWait();
  return { averages: store, close: () => handle.close() };
}
