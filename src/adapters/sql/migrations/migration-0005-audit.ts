import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/** The audit log (issue 7): who enrolled, assigned, deleted or exported what, and when. Append-only. */
export function auditMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const doc = sql.raw(t.document);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_log')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('at', big, (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('action', key, (c) => c.notNull())
        .addColumn('target_type', 'text')
        .addColumn('target_id', 'text')
        .addColumn('details', doc, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'id']).execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('audit_log').ifExists().execute();
    },
  };
}
