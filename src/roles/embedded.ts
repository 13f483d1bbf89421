import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { EmbeddedJobQueue } from '../adapters/queue-embedded/job-queue.embedded.ts';
import { SqliteImageStore } from '../adapters/sqlite/image-store.sqlite.ts';
import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import { type Clock, systemClock } from '../ports/clock.ts';

/** The embedded adapters every role shares: SQLite store, queue in the same file, blobs on disk. */
export async function openEmbedded(
  config: { DATA_DIR: string; DATABASE_URL: string },
  clock: Clock = systemClock,
) {
  const handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL));
  const store = new SqliteImageStore(handle.db);
  const queue = new EmbeddedJobQueue(handle.db, clock);
  const blobs = new FsBlobStore(join(config.DATA_DIR, 'blobs'));
  return {
    store,
    queue,
    blobs,
    clock,
    async close() {
      await queue.close();
      await store.close();
      await handle.close();
    },
  };
}

/** A lease owner name unique to this process. */
export function consumerName(role: string): string {
  return `${role}:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
