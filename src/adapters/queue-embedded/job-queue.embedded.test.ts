import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobQueueContract } from '../../../test/contract/job-queue.contract.ts';
import { newId } from '../../core/ids.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';
import { EmbeddedJobQueue } from './job-queue.embedded.ts';

const LEASE_MS = 5000;

jobQueueContract(
  'EmbeddedJobQueue on SQLite',
  { priorities: true, dedupe: true, leaseMs: LEASE_MS },
  async () => {
    let now = 1000;
    const clock = { now: () => now };
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-queue-'));
    const file = join(dir, 'db.sqlite');
    const handles: SqliteHandle[] = [];
    const open = async () => {
      const handle = await openSqlite(file);
      handles.push(handle);
      return new EmbeddedJobQueue(handle.db, clock);
    };
    const queue = await open();
    return {
      queue,
      open,
      async advance(ms) {
        now += ms;
      },
      async kill() {
        // A dead consumer stops extending its lease; once the lease runs out the job is free again.
        now += LEASE_MS + 1;
      },
      async publishRaw(bytes) {
        await handles[0]?.db
          .insertInto('jobs')
          .values({
            id: newId('job', now),
            kind: 'process_image',
            payload: bytes.toString('latin1'),
            dedupe_key: null,
            priority: 1,
            available_at: now,
            lease_owner: null,
            lease_until: null,
            created_at: now,
          })
          .execute();
      },
      async close() {
        for (const handle of handles) await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
);
