import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobQueueContract } from '../../../test/contract/job-queue.contract.ts';
import { openSqlite } from '../sqlite/sqlite-database.ts';
import { EmbeddedJobQueue } from './job-queue.embedded.ts';

jobQueueContract('EmbeddedJobQueue on SQLite', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-queue-'));
  let handle = await openSqlite(join(dir, 'db.sqlite'));
  return {
    queue: new EmbeddedJobQueue(handle.db, clock),
    async reopen() {
      await handle.close();
      handle = await openSqlite(join(dir, 'db.sqlite'));
      return new EmbeddedJobQueue(handle.db, clock);
    },
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
