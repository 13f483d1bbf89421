import type { Kysely } from 'kysely';
import { newId } from '../../core/ids.ts';
import type { EnrolledFace, EnrolmentStore } from '../../ports/enrolment.ts';
import type { FaceRecord, FaceWithEmbedding, ModelKey } from '../../ports/images.ts';
import { facesWithNames } from './face-queries.ts';
import { bumpGalleryVersion } from './gallery-version.ts';
import { addOutboxJob, reidentifyJob } from './outbox-jobs.ts';
import { embeddingToBytes, enrolledSource, toFaceRecord, withoutEmbedding } from './rows.ts';
import type { Database } from './schema.ts';

/** EnrolmentStore on Kysely, dialect-neutral. */
export class SqlEnrolmentStore implements EnrolmentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async getFace(faceId: string): Promise<FaceWithEmbedding | null> {
    const row = await facesWithNames(this.db).where('faces.id', '=', faceId).executeTakeFirst();
    return row ? toFaceRecord(row) : null;
  }

  async enroll(
    personId: string,
    embedding: Float32Array,
    model: ModelKey,
    source: { imageId: string; faceId: string } | null,
    now: number,
    requestId: string | null,
  ): Promise<{ enrolledId: string; galleryVersion: number }> {
    return this.db.transaction().execute(async (trx) => {
      const enrolledId = newId('enr', now);
      await trx
        .insertInto('enrolled_faces')
        .values({
          id: enrolledId,
          person_id: personId,
          embedding: embeddingToBytes(embedding),
          model_name: model.name,
          model_version: model.version,
          source_image_id: source?.imageId ?? null,
          source_face_id: source?.faceId ?? null,
          created_at: now,
        })
        .execute();
      if (source) {
        await trx
          .updateTable('faces')
          .set({ person_id: personId, distance: 0, match_source: 'manual', needs_rematch: 0, group_id: null })
          .where('id', '=', source.faceId)
          .execute();
      }
      await trx.updateTable('faces').set({ needs_rematch: 1 }).where('match_source', '=', 'auto').execute();
      const galleryVersion = await bumpGalleryVersion(trx);
      await addOutboxJob(trx, reidentifyJob('enroll', personId, requestId), now);
      return { enrolledId, galleryVersion };
    });
  }

  async listEnrolledFaces(personId: string): Promise<EnrolledFace[]> {
    const rows = await this.db
      .selectFrom('enrolled_faces')
      .select(['id', 'person_id', 'source_image_id', 'source_face_id', 'created_at'])
      .select((eb) => eb('thumbnail', 'is not', null).as('has_thumbnail'))
      .where('person_id', '=', personId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      personId: r.person_id,
      source: enrolledSource(r),
      hasThumbnail: Boolean(r.has_thumbnail),
      createdAt: Number(r.created_at),
    }));
  }

  async setEnrolledThumbnail(enrolledId: string, jpeg: Uint8Array): Promise<void> {
    await this.db
      .updateTable('enrolled_faces')
      .set({ thumbnail: jpeg })
      .where('id', '=', enrolledId)
      .execute();
  }

  async enrolledThumbnail(
    personId: string,
    enrolledId: string,
  ): Promise<{ jpeg: Uint8Array | null; source: EnrolledFace['source'] } | null> {
    const row = await this.db
      .selectFrom('enrolled_faces')
      .select(['thumbnail', 'source_image_id', 'source_face_id'])
      .where('id', '=', enrolledId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    if (!row) return null;
    return { jpeg: row.thumbnail ? new Uint8Array(row.thumbnail) : null, source: enrolledSource(row) };
  }

  async assignFace(faceId: string, personId: string, _now: number): Promise<FaceRecord | null> {
    const result = await this.db
      .updateTable('faces')
      .set({ person_id: personId, distance: null, match_source: 'manual', needs_rematch: 0, group_id: null })
      .where('id', '=', faceId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return null;
    const face = await this.getFace(faceId);
    return face ? withoutEmbedding(face) : null;
  }
}
