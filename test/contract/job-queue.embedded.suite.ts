import type { Kysely } from 'kysely';
import { EmbeddedJobQueue } from '../../src/adapters/queue-embedded/job-queue.embedded.ts';
import type { Database } from '../../src/adapters/sql/schema.ts';
import { newId } from '../../src/core/ids.ts';
import { jobQueueContract } from './job-queue.contract.ts';

const LEASE_MS = 5000;

/** One database the embedded queue's contract runs on: clients of it, and its removal. */
export interface QueueDatabase {
  /** One more client, as another process would have (`first`: the one that migrates). */
  open(first: boolean): Promise<{ db: Kysely<Database>; close(): Promise<void> }>;
  drop(): Promise<void>;
  /** Receivers lock with `FOR UPDATE SKIP LOCKED` (the servers; SQLite serialises writers instead). */
  skipLocked: boolean;
}

/** The JobQueue contract for the embedded queue on one database, its clock in the test's hand. */
export function embeddedQueueContract(name: string, create: () => Promise<QueueDatabase>): void {
  jobQueueContract(name, { priorities: true, dedupe: true, leaseMs: LEASE_MS }, async () => {
    let now = 1000;
    const clock = { now: () => now };
    const database = await create();
    const handles: { db: Kysely<Database>; close(): Promise<void> }[] = [];
    const open = async () => {
      const handle = await database.open(handles.length === 0);
      handles.push(handle);
      return new EmbeddedJobQueue(handle.db, clock, { skipLocked: database.skipLocked });
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
        await database.drop();
      },
    };
  });
}
