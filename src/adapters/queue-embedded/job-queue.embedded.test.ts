import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedQueueContract } from '../../../test/contract/job-queue.embedded.suite.ts';
import { openSqlite } from '../sqlite/sqlite-database.ts';

embeddedQueueContract('EmbeddedJobQueue on SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-queue-'));
  const file = join(dir, 'db.sqlite');
  return {
    open: () => openSqlite(file),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
    skipLocked: false,
  };
});
