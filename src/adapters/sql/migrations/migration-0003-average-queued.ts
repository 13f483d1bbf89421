import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/** When a chunk went into the queue (null: not yet): average jobs keep only a window of chunks queued. */
export function averageQueuedMigration(t: DialectTypes): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema.alterTable('average_chunks').addColumn('queued_at', sql.raw(t.bigint)).execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('average_chunks').dropColumn('queued_at').execute();
    },
  };
}
