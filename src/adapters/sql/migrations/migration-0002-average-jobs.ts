import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/** Dataset average jobs (issue 6): one row per job, one per chunk with its partial result. */
export function averageJobsMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const doc = sql.raw(t.document);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('average_jobs')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('state', key, (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('options', doc, (c) => c.notNull())
        .addColumn('total_chunks', 'integer')
        .addColumn('total_entries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('rejected', doc, (c) => c.notNull())
        .addColumn('result', doc)
        .addColumn('error', doc)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('finished_at', big)
        .execute();
      await db.schema.createIndex('average_jobs_created').on('average_jobs').column('created_at').execute();

      await db.schema
        .createTable('average_chunks')
        .addColumn('job_id', key, (c) => c.notNull().references('average_jobs.id').onDelete('cascade'))
        .addColumn('chunk_index', 'integer', (c) => c.notNull())
        .addColumn('entries', doc, (c) => c.notNull())
        .addColumn('entry_count', 'integer', (c) => c.notNull())
        .addColumn('state', key, (c) => c.notNull())
        .addColumn('partial', doc)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('completed_at', big)
        .addPrimaryKeyConstraint('average_chunks_pk', ['job_id', 'chunk_index'])
        .execute();
      await db.schema
        .createIndex('average_chunks_state')
        .on('average_chunks')
        .columns(['job_id', 'state'])
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('average_chunks').ifExists().execute();
      await db.schema.dropTable('average_jobs').ifExists().execute();
    },
  };
}
