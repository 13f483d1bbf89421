import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/**
 * A small JPEG of each face enrolled from an uploaded photo (that photo is not stored, so the person's page
 * could not show the face otherwise). It lives in the enrolled face's row, so it goes with the embedding
 * when the person is deleted or forgotten.
 */
export function enrolledThumbnailsMigration(t: DialectTypes): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema.alterTable('enrolled_faces').addColumn('thumbnail', sql.raw(t.binary)).execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.alterTable('enrolled_faces').dropColumn('thumbnail').execute();
    },
  };
}
