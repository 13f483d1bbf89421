import type { Db } from './schema.ts';

/** Faces with the name of their person. */
export function facesWithNames(db: Db) {
  return db
    .selectFrom('faces')
    .leftJoin('people', 'people.id', 'faces.person_id')
    .selectAll('faces')
    .select('people.name as person_name');
}

/** Of `personIds`, the ones whose person still exists (a match can outlive a deleted person). */
export async function livingPersonIds(trx: Db, personIds: (string | null)[]): Promise<Set<string>> {
  const ids = [...new Set(personIds.filter((p): p is string => p !== null))];
  if (ids.length === 0) return new Set();
  const rows = await trx.selectFrom('people').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}
