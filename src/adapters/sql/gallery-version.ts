import { sql } from 'kysely';
import type { Db } from './schema.ts';

/** The gallery changed: a new version, so photos matched against the old one are looked at again. */
export async function bumpGalleryVersion(trx: Db): Promise<number> {
  const row = await trx
    .updateTable('meta')
    .set({ value: sql<string>`cast(cast(value as integer) + 1 as text)` })
    .where('key', '=', 'gallery_version')
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}

export async function readGalleryVersion(db: Db): Promise<number> {
  const row = await db
    .selectFrom('meta')
    .select('value')
    .where('key', '=', 'gallery_version')
    .executeTakeFirstOrThrow();
  return Number(row.value);
}
