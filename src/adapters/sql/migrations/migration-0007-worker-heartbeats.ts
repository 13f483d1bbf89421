import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/** One row per worker process, rewritten every few seconds: the System page lists the live ones. */
export function workerHeartbeatsMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('worker_heartbeats')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('engine_threads', 'integer', (c) => c.notNull())
        .addColumn('threads_busy', 'integer', (c) => c.notNull())
        .addColumn('jobs_in_hand', 'integer', (c) => c.notNull())
        .addColumn('concurrency', 'integer', (c) => c.notNull())
        .addColumn('breaker_state', 'text')
        .addColumn('started_at', big, (c) => c.notNull())
        .addColumn('last_seen', big, (c) => c.notNull())
        .addColumn('interval_ms', 'integer', (c) => c.notNull())
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('worker_heartbeats').ifExists().execute();
    },
  };
}
