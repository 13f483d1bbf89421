import type { Kysely } from 'kysely';
import { openMysql } from '../../src/adapters/mysql/mysql-database.ts';
import { openPostgres } from '../../src/adapters/postgres/postgres-database.ts';
import { EmbeddedJobQueue } from '../../src/adapters/queue-embedded/job-queue.embedded.ts';
import type { Database } from '../../src/adapters/sql/schema.ts';
import { newId } from '../../src/core/ids.ts';
import { createTestMysqlDatabase, createTestSchema } from '../helpers/servers.ts';
import { jobQueueContract } from './job-queue.contract.ts';

const LEASE_MS = 5000;

interface ServerDatabase {
  /** Opens one more client of the test database (the first one migrates). */
  open(migrate: boolean): Promise<{ db: Kysely<Database>; close(): Promise<void> }>;
  drop(): Promise<void>;
}

/**
 * The embedded queue on a database server, where receivers in several processes take jobs at once with
 * `FOR UPDATE SKIP LOCKED` (the SQLite run is next to the adapter).
 */
function embeddedQueueOn(name: string, create: () => Promise<ServerDatabase>): void {
  jobQueueContract(
    `EmbeddedJobQueue on ${name}`,
    { priorities: true, dedupe: true, leaseMs: LEASE_MS },
    async () => {
      let now = 1000;
      const clock = { now: () => now };
      const server = await create();
      const handles: { db: Kysely<Database>; close(): Promise<void> }[] = [];
      const open = async () => {
        const handle = await server.open(handles.length === 0);
        handles.push(handle);
        return new EmbeddedJobQueue(handle.db, clock, { skipLocked: true });
      };
      const queue = await open();
      return {
        queue,
        open,
        async advance(ms) {
          now += ms;
        },
        async kill() {
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
          await server.drop();
        },
      };
    },
  );
}

embeddedQueueOn('PostgreSQL', async () => {
  const schema = await createTestSchema();
  return { open: (migrate) => openPostgres({ url: schema.url, poolSize: 2, migrate }), drop: schema.drop };
});

embeddedQueueOn('MariaDB', async () => {
  const database = await createTestMysqlDatabase();
  return { open: (migrate) => openMysql({ url: database.url, poolSize: 2, migrate }), drop: database.drop };
});
