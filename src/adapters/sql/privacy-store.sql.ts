import { type Kysely, sql, type Transaction } from 'kysely';
import { newId } from '../../core/ids.ts';
import type { OutgoingJob } from '../../ports/job-queue.ts';
import type { ForgottenPerson, PrivacyStore, RemovedPhotos } from '../../ports/privacy-store.ts';
import { PRIORITY_REIDENTIFY } from './outbox-jobs.ts';
import type { Database } from './schema.ts';

/** Ids per `in (…)` list: far below SQLite's and PostgreSQL's bound-parameter limits. */
const BATCH = 500;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/**
 * PrivacyStore on Kysely (dialect-neutral: the same queries run on SQLite and PostgreSQL). Deleting a
 * photo deletes its faces, its queued jobs and the outbox rows that name it in the same transaction.
 */
export class SqlPrivacyStore implements PrivacyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async forgetPerson(
    personId: string,
    options: { purgePhotos: boolean },
    now: number,
    requestId: string | null,
  ): Promise<ForgottenPerson | null> {
    return this.db.transaction().execute(async (trx) => {
      const person = await trx
        .selectFrom('people')
        .select(['id', 'name'])
        .where('id', '=', personId)
        .executeTakeFirst();
      if (!person) return null;
      let removed: RemovedPhotos = { photos: [], faces: 0, jobs: 0 };
      if (options.purgePhotos) {
        const rows = await trx
          .selectFrom('faces')
          .select('image_id')
          .distinct()
          .where('person_id', '=', personId)
          .execute();
        removed = await removePhotos(
          trx,
          rows.map((r) => r.image_id),
        );
      }
      const unlabelled = await trx
        .updateTable('faces')
        .set({ person_id: null, distance: null, match_source: 'auto', needs_rematch: 1 })
        .where('person_id', '=', personId)
        .executeTakeFirst();
      const enrolled = await trx
        .deleteFrom('enrolled_faces')
        .where('person_id', '=', personId)
        .executeTakeFirst();
      await trx.deleteFrom('people').where('id', '=', personId).execute();
      await trx
        .updateTable('meta')
        .set({ value: sql<string>`cast(cast(value as integer) + 1 as text)` })
        .where('key', '=', 'gallery_version')
        .execute();
      const job: OutgoingJob = {
        payload: { kind: 'reidentify', reason: 'delete', personId, requestId: requestId ?? undefined },
        priority: PRIORITY_REIDENTIFY,
      };
      await trx
        .insertInto('outbox')
        .values({ id: newId('obx', now), job: JSON.stringify(job), created_at: now })
        .execute();
      return {
        ...removed,
        person,
        enrolledEmbeddings: Number(enrolled.numDeletedRows),
        facesUnlabelled: Number(unlabelled.numUpdatedRows),
      };
    });
  }

  async purgeUnidentifiedPhotos(createdBefore: number, limit: number): Promise<RemovedPhotos> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('images')
        .select('images.id')
        .where('images.created_at', '<', createdBefore)
        .where('images.status', 'in', ['processed', 'failed'])
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('faces')
                .select('faces.id')
                .whereRef('faces.image_id', '=', 'images.id')
                .where('faces.person_id', 'is not', null),
            ),
          ),
        )
        .orderBy('images.id')
        .limit(limit)
        .execute();
      return removePhotos(
        trx,
        rows.map((r) => r.id),
      );
    });
  }

  async deletePhoto(imageId: string): Promise<RemovedPhotos | null> {
    return this.db.transaction().execute(async (trx) => {
      const removed = await removePhotos(trx, [imageId]);
      return removed.photos.length === 0 ? null : removed;
    });
  }
}

/** Deletes photos with their faces, queued jobs and outbox rows; returns what went. */
async function removePhotos(trx: Transaction<Database>, imageIds: string[]): Promise<RemovedPhotos> {
  const removed: RemovedPhotos = { photos: [], faces: 0, jobs: 0 };
  if (imageIds.length === 0) return removed;
  const wanted = new Set(imageIds);
  for (const ids of batches(imageIds)) {
    // The photo rows first: on PostgreSQL this waits for (and then blocks) a worker writing its result, so
    // no face is written for a photo between the delete of its faces and the delete of its row.
    await trx.updateTable('images').set({ lease_owner: null }).where('id', 'in', ids).execute();
    const faces = await trx.deleteFrom('faces').where('image_id', 'in', ids).executeTakeFirst();
    removed.faces += Number(faces.numDeletedRows);
    // Other people enrolled from a face of these photos keep their embedding, without a dangling source.
    await trx
      .updateTable('enrolled_faces')
      .set({ source_image_id: null, source_face_id: null })
      .where('source_image_id', 'in', ids)
      .execute();
    const jobs = await trx
      .deleteFrom('jobs')
      .where(
        'dedupe_key',
        'in',
        ids.map((id) => `image:${id}`),
      )
      .executeTakeFirst();
    removed.jobs += Number(jobs.numDeletedRows);
    const photos = await trx
      .deleteFrom('images')
      .where('id', 'in', ids)
      .returning(['id', 'sha256'])
      .execute();
    for (const photo of photos) removed.photos.push({ ...photo, blobFree: true });
  }
  // Outbox rows are few (the relay drains them every second): read them rather than match JSON in SQL.
  const outbox = await trx.selectFrom('outbox').select(['id', 'job']).execute();
  const stale = outbox
    .filter((row) => {
      const { payload } = JSON.parse(row.job) as OutgoingJob;
      return payload.kind === 'process_image' && wanted.has(payload.imageId);
    })
    .map((row) => row.id);
  for (const ids of batches(stale)) await trx.deleteFrom('outbox').where('id', 'in', ids).execute();
  removed.jobs += stale.length;
  await markBlobsStillNeeded(trx, removed.photos);
  return removed;
}

/**
 * A dataset-average job stores its photos in the same content-addressed blobs. While such a job is
 * unfinished and a chunk not yet done lists the bytes, the blob stays (the job deletes nothing itself).
 */
async function markBlobsStillNeeded(trx: Transaction<Database>, photos: RemovedPhotos['photos']) {
  for (const photo of photos) {
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from average_chunks c join average_jobs j on j.id = c.job_id
      where c.state = 'pending' and j.state in ('preparing', 'running') and c.entries like ${`%${photo.sha256}%`}`.execute(
      trx,
    );
    photo.blobFree = Number(rows[0]?.n ?? 0) === 0;
  }
}
