import { type Insertable, type Kysely, sql, type UpdateObject } from 'kysely';
import type { ErrorInfo } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { ClaimedImage, ImageLeases, NewFace } from '../../ports/image-leases.ts';
import type { ModelKey } from '../../ports/images.ts';
import { livingPersonIds } from './face-queries.ts';
import { readGalleryVersion } from './gallery-version.ts';
import { addOutboxJob, reidentifyJob } from './outbox-jobs.ts';
import { embeddingToBytes, toImageRecord } from './rows.ts';
import type { Database, Db, FacesTable } from './schema.ts';

/**
 * ImageLeases on Kysely, dialect-neutral. Claims are single conditional `UPDATE … RETURNING` statements,
 * which PostgreSQL re-checks after waiting on a concurrent claim's row lock, so two workers never both win.
 */
export class SqlImageLeases implements ImageLeases {
  constructor(private readonly db: Kysely<Database>) {}

  async claimImage(id: string, owner: string, leaseMs: number, now: number): Promise<ClaimedImage | null> {
    const row = await this.db
      .updateTable('images')
      .set({
        status: 'processing',
        lease_owner: owner,
        lease_until: now + leaseMs,
        attempts: sql<number>`attempts + 1`,
        updated_at: now,
      })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('status', '=', 'pending'),
            eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]),
          ]),
          eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    const image = toImageRecord(row);
    return { image, attempt: image.attempts };
  }

  async completeImage(
    id: string,
    owner: string,
    faces: NewFace[],
    model: ModelKey,
    now: number,
    galleryVersion?: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // An UPDATE, not a SELECT: it locks the row (PostgreSQL), so no claim can take the photo over
      // between this check and the commit.
      const held = await trx
        .updateTable('images')
        .set({ updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'processing')
        .where('lease_owner', '=', owner)
        .returning(['id', 'request_id'])
        .executeTakeFirst();
      if (!held) return false;
      // Matched against an older gallery than the current one: let re-identification look again.
      const stale = galleryVersion !== undefined && galleryVersion !== (await readGalleryVersion(trx));
      await replaceFaces(trx, id, faces, model, now, stale);
      if (stale && faces.length > 0)
        await addOutboxJob(trx, reidentifyJob('enroll', '', held.request_id), now);
      await trx
        .updateTable('images')
        .set({
          status: 'processed',
          lease_owner: null,
          lease_until: null,
          next_attempt_at: null,
          last_error: null,
          processed_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      return true;
    });
  }

  /** Updates a photo only while `owner` holds its lease; true when it did. */
  private async updateHeld(
    id: string,
    owner: string,
    changes: UpdateObject<Database, 'images'>,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('images')
      .set(changes)
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  failImage(
    id: string,
    owner: string,
    error: ErrorInfo,
    retryAt: number | null,
    now: number,
  ): Promise<boolean> {
    return this.updateHeld(id, owner, {
      status: retryAt === null ? 'failed' : 'pending',
      next_attempt_at: retryAt,
      last_error: JSON.stringify(error),
      last_error_retryable: error.retryable === true ? 1 : 0,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    });
  }

  releaseImage(id: string, owner: string, now: number): Promise<boolean> {
    return this.updateHeld(id, owner, {
      status: 'pending',
      attempts: sql<number>`attempts - 1`,
      next_attempt_at: now,
      lease_owner: null,
      lease_until: null,
      updated_at: now,
    });
  }

  extendLease(id: string, owner: string, leaseMs: number, now: number): Promise<boolean> {
    return this.updateHeld(id, owner, { lease_until: now + leaseMs });
  }
}

/**
 * The photo's faces, replaced by the ones just found: matched automatically (to a person that still
 * exists), and marked for re-matching when they were matched against an outdated gallery.
 */
async function replaceFaces(
  trx: Db,
  imageId: string,
  faces: NewFace[],
  model: ModelKey,
  now: number,
  stale: boolean,
): Promise<void> {
  const living = await livingPersonIds(
    trx,
    faces.map((f) => f.personId),
  );
  await trx.deleteFrom('faces').where('image_id', '=', imageId).execute();
  if (faces.length === 0) return;
  const rows = faces.map((face, index): Insertable<FacesTable> => {
    const personId = face.personId !== null && living.has(face.personId) ? face.personId : null;
    return {
      id: newId('fac', now),
      image_id: imageId,
      face_index: index,
      box: JSON.stringify(face.box),
      landmarks: JSON.stringify(face.landmarks),
      score: face.score,
      quality: face.quality === null ? null : JSON.stringify(face.quality),
      embedding: embeddingToBytes(face.embedding),
      model_name: model.name,
      model_version: model.version,
      person_id: personId,
      distance: personId === null ? null : face.distance,
      match_source: 'auto',
      needs_rematch: stale ? 1 : 0,
      created_at: now,
    };
  });
  await trx.insertInto('faces').values(rows).execute();
}
