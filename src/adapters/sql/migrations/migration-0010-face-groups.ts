import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/**
 * Suggested people (docs/adr/0012): `face_groups` holds the groups of unknown faces, `faces.group_id` a face's
 * group while it has no person; `face_rejections` remembers "not this person" (a person's or a group's id);
 * people can be hidden and have a chosen cover face.
 */
export function faceGroupsMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('face_groups')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('cover_face_id', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
      await db.schema.alterTable('faces').addColumn('group_id', key).execute();
      await db.schema.createIndex('faces_group').on('faces').column('group_id').execute();
      await db.schema
        .createTable('face_rejections')
        .addColumn('face_id', key, (c) => c.notNull().references('faces.id').onDelete('cascade'))
        .addColumn('rejected_id', key, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('face_rejections_pk', ['face_id', 'rejected_id'])
        .execute();
      await db.schema
        .alterTable('people')
        .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('people').addColumn('cover_face_id', 'text').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('people').dropColumn('cover_face_id').execute();
      await db.schema.alterTable('people').dropColumn('hidden').execute();
      await db.schema.dropTable('face_rejections').ifExists().execute();
      await db.schema.dropIndex('faces_group').ifExists().execute();
      await db.schema.alterTable('faces').dropColumn('group_id').execute();
      await db.schema.dropTable('face_groups').ifExists().execute();
    },
  };
}
