import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/**
 * Trace propagation (docs/adr/0015): the W3C trace context (JSON text) of the upload a photo came from,
 * so its trace id can be shown and a re-queued job joins the same trace, and of each job in the
 * embedded queue, the row being that queue's message.
 */
export function traceContextMigration(_t: DialectTypes): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema.alterTable('images').addColumn('trace_context', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('trace_context', 'text').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('jobs').dropColumn('trace_context').execute();
      await db.schema.alterTable('images').dropColumn('trace_context').execute();
    },
  };
}
