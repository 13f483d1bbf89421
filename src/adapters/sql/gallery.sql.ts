import type { Kysely } from 'kysely';
import type { GallerySnapshot, GalleryStore, RematchCandidate, RematchResult } from '../../ports/gallery.ts';
import type { ModelKey } from '../../ports/images.ts';
import { livingPersonIds } from './face-queries.ts';
import { readGalleryVersion } from './gallery-version.ts';
import { bytesToEmbedding } from './rows.ts';
import type { Database, Db } from './schema.ts';

/** GalleryStore on Kysely, dialect-neutral. */
export class SqlGalleryStore implements GalleryStore {
  constructor(private readonly db: Kysely<Database>) {}

  galleryVersion(): Promise<number> {
    return readGalleryVersion(this.db);
  }

  async loadGallery(model: ModelKey): Promise<GallerySnapshot> {
    return this.db.transaction().execute(async (trx) => {
      const version = await readGalleryVersion(trx);
      const rows = await trx
        .selectFrom('enrolled_faces')
        .select(['id', 'person_id', 'embedding'])
        .where('model_name', '=', model.name)
        .where('model_version', '=', model.version)
        .orderBy('id')
        .execute();
      return {
        version,
        entries: rows.map((r) => ({
          id: r.id,
          personId: r.person_id,
          embedding: bytesToEmbedding(r.embedding),
        })),
      };
    });
  }

  async rematchCandidates(limit: number): Promise<RematchCandidate[]> {
    const rows = await this.db
      .selectFrom('faces')
      .select(['id', 'image_id', 'embedding', 'model_name', 'model_version'])
      .where('needs_rematch', '=', 1)
      .where('match_source', '=', 'auto')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      faceId: r.id,
      imageId: r.image_id,
      embedding: bytesToEmbedding(r.embedding),
      modelName: r.model_name,
      modelVersion: r.model_version,
    }));
  }

  async applyRematch(results: RematchResult[], _now: number): Promise<string[]> {
    if (results.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const living = await livingPersonIds(
        trx,
        results.map((r) => r.personId),
      );
      const rejected = await rejectedPairs(
        trx,
        results.map((r) => r.faceId),
      );
      const changed = new Set<string>();
      for (const result of results) {
        const personId =
          result.personId !== null &&
          living.has(result.personId) &&
          !rejected.has(`${result.faceId} ${result.personId}`)
            ? result.personId
            : null;
        const row = await trx
          .updateTable('faces')
          .set({
            person_id: personId,
            distance: personId === null ? null : result.distance,
            needs_rematch: 0,
            ...(personId === null ? {} : { group_id: null }),
          })
          .where('id', '=', result.faceId)
          .where('match_source', '=', 'auto')
          .where('needs_rematch', '=', 1)
          .returning('image_id')
          .executeTakeFirst();
        if (row) changed.add(row.image_id);
      }
      return [...changed];
    });
  }
}

/** "Not this person" (face_rejections) of these faces, as `faceId rejectedId`: such a match leaves the face unknown. */
async function rejectedPairs(trx: Db, faceIds: string[]): Promise<Set<string>> {
  const rows = await trx
    .selectFrom('face_rejections')
    .select(['face_id', 'rejected_id'])
    .where('face_id', 'in', faceIds)
    .execute();
  return new Set(rows.map((r) => `${r.face_id} ${r.rejected_id}`));
}
