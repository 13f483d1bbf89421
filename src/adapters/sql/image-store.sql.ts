import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  sql,
  type Transaction,
  type UpdateObject,
} from 'kysely';
import type { ErrorInfo } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { IMAGE_STATUSES, type ImageStatus } from '../../core/image-status.ts';
import { decodeTraceCarrier, encodeTraceCarrier } from '../../core/trace-context.ts';
import type {
  ClaimedImage,
  EnrolledFace,
  FaceRecord,
  FaceWithEmbedding,
  GallerySnapshot,
  ImageDetail,
  ImageFilter,
  ImageQuery,
  ImageRecord,
  ImageStore,
  ModelKey,
  NewFace,
  NewImage,
  OutboxEntry,
  Person,
  RematchCandidate,
  RematchResult,
} from '../../ports/image-store.ts';
import type { OutgoingJob } from '../../ports/job-queue.ts';
import { bytesToEmbedding, embeddingToBytes, keysetPage, toFaceRecord, toImageRecord } from './rows.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database> | Transaction<Database>;

/** Writes a job to the outbox in the caller's transaction. */
export async function addOutboxJob(trx: Db, job: OutgoingJob, now: number): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ id: newId('obx', now), job: JSON.stringify(job), created_at: now })
    .execute();
}

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

/** Priority of jobs: re-identification (small, user-visible) before photo processing. */
export const PRIORITY_REIDENTIFY = 0;
export const PRIORITY_PROCESS = 1;

/**
 * ImageStore on Kysely. The queries are dialect-neutral (no SQLite-only syntax): `PostgresImageStore`
 * runs them unchanged. Claims are single conditional `UPDATE … RETURNING` statements, which PostgreSQL
 * re-checks after waiting on a concurrent claim's row lock, so two workers never both win.
 */
export class SqliteImageStore implements ImageStore {
  constructor(protected readonly db: Kysely<Database>) {}

  private addOutbox(trx: Db, job: OutgoingJob, now: number): Promise<void> {
    return addOutboxJob(trx, job, now);
  }

  private bumpGalleryVersion(trx: Db): Promise<number> {
    return bumpGalleryVersion(trx);
  }

  async createImage(image: NewImage, now: number): Promise<{ image: ImageRecord; duplicate: boolean }> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await this.imageBySha(trx, image.sha256);
      if (existing) return { image: existing, duplicate: true };
      const row = {
        id: newId('img', now),
        sha256: image.sha256,
        file: image.file,
        import_path: image.importPath,
        size: image.size,
        media_type: image.mediaType,
        status: 'pending' satisfies ImageStatus,
        attempts: 0,
        last_error: null,
        last_error_retryable: 0,
        next_attempt_at: now,
        lease_owner: null,
        lease_until: null,
        width: image.width,
        height: image.height,
        request_id: image.requestId,
        created_at: now,
        updated_at: now,
        processed_at: null,
        trace_context: encodeTraceCarrier(image.trace),
      };
      // Two uploads of the same bytes at once (PostgreSQL runs them concurrently): the second one finds the first.
      const inserted = await trx
        .insertInto('images')
        .values(row)
        .onConflict((oc) => oc.column('sha256').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const winner = await this.imageBySha(trx, image.sha256);
        if (winner) return { image: winner, duplicate: true };
        throw new Error('image vanished while being inserted');
      }
      await this.addOutbox(trx, processImageJob(row.id, image.requestId, row.trace_context), now);
      return { image: toImageRecord(row), duplicate: false };
    });
  }

  private async imageBySha(db: Db, sha256: string): Promise<ImageRecord | null> {
    const row = await db.selectFrom('images').selectAll().where('sha256', '=', sha256).executeTakeFirst();
    return row ? toImageRecord(row) : null;
  }

  async getImage(id: string): Promise<ImageDetail | null> {
    const row = await this.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    const faces = (await this.facesOf(id)).map(withoutEmbedding);
    const people = new Map<string, { id: string; name: string }>();
    for (const face of faces) if (face.person) people.set(face.person.id, face.person);
    return { ...toImageRecord(row), faces, people: [...people.values()] };
  }

  /** Faces with the name of their person. */
  private facesQuery() {
    return this.db
      .selectFrom('faces')
      .leftJoin('people', 'people.id', 'faces.person_id')
      .selectAll('faces')
      .select('people.name as person_name');
  }

  private async facesOf(imageId: string): Promise<FaceWithEmbedding[]> {
    const rows = await this.facesQuery()
      .where('faces.image_id', '=', imageId)
      .orderBy('faces.face_index')
      .execute();
    return rows.map(toFaceRecord);
  }

  async listImages(query: ImageQuery): Promise<{ items: ImageRecord[]; nextCursor: string | null }> {
    let q = this.db
      .selectFrom('images')
      .selectAll('images')
      .where((eb) => matchingImages(eb, query));
    if (query.status) q = q.where('images.status', '=', query.status);
    if (query.cursor) q = q.where('images.id', '<', query.cursor);
    const rows = await q
      .orderBy('images.id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return keysetPage(rows, query.limit, toImageRecord);
  }

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
      const personIds = [...new Set(faces.map((f) => f.personId).filter((p): p is string => p !== null))];
      const living = new Set(
        personIds.length === 0
          ? []
          : (await trx.selectFrom('people').select('id').where('id', 'in', personIds).execute()).map(
              (r) => r.id,
            ),
      );
      // Matched against an older gallery than the current one: let re-identification look again.
      const stale = galleryVersion !== undefined && galleryVersion !== (await this.readGalleryVersion(trx));
      await trx.deleteFrom('faces').where('image_id', '=', id).execute();
      if (faces.length > 0) {
        await trx
          .insertInto('faces')
          .values(
            faces.map((face, index) => {
              const personId = face.personId !== null && living.has(face.personId) ? face.personId : null;
              return {
                id: newId('fac', now),
                image_id: id,
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
            }),
          )
          .execute();
        if (stale) {
          await this.addOutbox(
            trx,
            {
              payload: {
                kind: 'reidentify',
                reason: 'enroll',
                personId: '',
                requestId: held.request_id ?? undefined,
              },
              priority: PRIORITY_REIDENTIFY,
            },
            now,
          );
        }
      }
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

  async requeueStuck(now: number, staleMs: number, limit: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('images')
        .select(['id', 'status', 'request_id', 'trace_context'])
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<', now - staleMs)]),
            eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('id')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      const pending = rows.filter((r) => r.status === 'pending').map((r) => r.id);
      if (pending.length > 0)
        await trx.updateTable('images').set({ next_attempt_at: now }).where('id', 'in', pending).execute();
      for (const row of rows)
        await this.addOutbox(trx, processImageJob(row.id, row.request_id, row.trace_context), now);
      return rows.map((r) => r.id);
    });
  }

  async requeueFailedRetryable(now: number, limit: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('images')
        .select(['id', 'request_id', 'trace_context'])
        .where('status', '=', 'failed')
        .where('last_error_retryable', '=', 1)
        .orderBy('id')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      await trx
        .updateTable('images')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', 'in', ids)
        .execute();
      for (const row of rows)
        await this.addOutbox(trx, processImageJob(row.id, row.request_id, row.trace_context), now);
      return ids;
    });
  }

  async retryFailedImage(id: string, now: number): Promise<'queued' | 'not_failed' | 'not_found'> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('images')
        .select(['id', 'status', 'request_id', 'trace_context'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return 'not_found';
      const updated = await trx
        .updateTable('images')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'failed')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return 'not_failed';
      await this.addOutbox(trx, processImageJob(row.id, row.request_id, row.trace_context), now);
      return 'queued';
    });
  }

  async countByStatus(filter: ImageFilter = {}): Promise<Record<ImageStatus, number>> {
    const rows = await this.db
      .selectFrom('images')
      .where((eb) => matchingImages(eb, filter))
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const counts = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>;
    for (const row of rows) counts[row.status as ImageStatus] = Number(row.n);
    return counts;
  }

  private peopleQuery() {
    return this.db
      .selectFrom('people')
      .select(['people.id', 'people.name', 'people.created_at', 'people.updated_at'])
      .select((eb) =>
        eb
          .selectFrom('enrolled_faces')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('enrolled_faces.person_id', '=', 'people.id')
          .as('enrolled'),
      );
  }

  async createPerson(name: string, now: number): Promise<Person> {
    const id = newId('per', now);
    await this.db.insertInto('people').values({ id, name, created_at: now, updated_at: now }).execute();
    return { id, name, createdAt: now, updatedAt: now, enrolledFaces: 0 };
  }

  async getPerson(id: string): Promise<Person | null> {
    const row = await this.peopleQuery().where('people.id', '=', id).executeTakeFirst();
    return row ? toPerson(row) : null;
  }

  async listPeople(): Promise<Person[]> {
    const rows = await this.peopleQuery().orderBy('people.name').orderBy('people.id').execute();
    return rows.map(toPerson);
  }

  async renamePerson(id: string, name: string, now: number): Promise<Person | null> {
    const result = await this.db
      .updateTable('people')
      .set({ name, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n ? this.getPerson(id) : null;
  }

  async deletePerson(id: string, now: number, requestId: string | null): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('people').select('id').where('id', '=', id).executeTakeFirst();
      if (!existing) return false;
      await trx
        .updateTable('faces')
        .set({ person_id: null, distance: null, match_source: 'auto', needs_rematch: 1 })
        .where('person_id', '=', id)
        .execute();
      await trx.deleteFrom('enrolled_faces').where('person_id', '=', id).execute();
      await trx.deleteFrom('people').where('id', '=', id).execute();
      await this.bumpGalleryVersion(trx);
      await this.addOutbox(
        trx,
        {
          payload: { kind: 'reidentify', reason: 'delete', personId: id, requestId: requestId ?? undefined },
          priority: PRIORITY_REIDENTIFY,
        },
        now,
      );
      return true;
    });
  }

  async imagesOfPerson(personId: string, limit: number): Promise<ImageRecord[]> {
    const { items } = await this.listImages({ personId, limit });
    return items;
  }

  async getFace(faceId: string): Promise<FaceWithEmbedding | null> {
    const row = await this.facesQuery().where('faces.id', '=', faceId).executeTakeFirst();
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
      const galleryVersion = await this.bumpGalleryVersion(trx);
      await this.addOutbox(
        trx,
        {
          payload: { kind: 'reidentify', reason: 'enroll', personId, requestId: requestId ?? undefined },
          priority: PRIORITY_REIDENTIFY,
        },
        now,
      );
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

  private async readGalleryVersion(db: Db): Promise<number> {
    const row = await db
      .selectFrom('meta')
      .select('value')
      .where('key', '=', 'gallery_version')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  galleryVersion(): Promise<number> {
    return this.readGalleryVersion(this.db);
  }

  async loadGallery(model: ModelKey): Promise<GallerySnapshot> {
    return this.db.transaction().execute(async (trx) => {
      const version = await this.readGalleryVersion(trx);
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
      const personIds = [...new Set(results.map((r) => r.personId).filter((p): p is string => p !== null))];
      const living = new Set(
        personIds.length === 0
          ? []
          : (await trx.selectFrom('people').select('id').where('id', 'in', personIds).execute()).map(
              (r) => r.id,
            ),
      );
      // "Not this person" (face_rejections): such a match leaves the face unknown.
      const rejected = new Set(
        (
          await trx
            .selectFrom('face_rejections')
            .select(['face_id', 'rejected_id'])
            .where(
              'face_id',
              'in',
              results.map((r) => r.faceId),
            )
            .execute()
        ).map((r) => `${r.face_id} ${r.rejected_id}`),
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

  async takeOutbox(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.selectFrom('outbox').selectAll().orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, job: JSON.parse(r.job) as OutgoingJob }));
  }

  async deleteOutbox(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.deleteFrom('outbox').where('id', 'in', ids).execute();
  }

  /** No row locks on SQLite (one writer at a time); its embedded queue drops a job published twice by its dedupe key. */
  async relayOutbox(limit: number, publish: (jobs: OutgoingJob[]) => Promise<void>): Promise<number> {
    const entries = await this.takeOutbox(limit);
    if (entries.length === 0) return 0;
    await publish(entries.map((e) => e.job));
    await this.deleteOutbox(entries.map((e) => e.id));
    return entries.length;
  }

  async close(): Promise<void> {
    // The connection belongs to the SqliteHandle that created it.
  }
}

/** The job for a photo; it carries the trace of the photo's upload, so every try of it joins that trace. */
export function processImageJob(
  imageId: string,
  requestId: string | null,
  traceContext: string | null = null,
): OutgoingJob {
  const trace = decodeTraceCarrier(traceContext);
  return {
    payload: { kind: 'process_image', imageId, requestId: requestId ?? undefined },
    dedupeKey: `image:${imageId}`,
    priority: PRIORITY_PROCESS,
    ...(trace ? { trace } : {}),
  };
}

/** Escapes LIKE's wildcards (and the escape character itself), so a search is taken literally. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Photos of the filter's person whose file name or import path contains the search, ignoring case (ASCII
 * case on SQLite, whose lower() folds only A–Z). The same on both dialects: lower() on both sides and an
 * explicit ESCAPE, since PostgreSQL's LIKE is case-sensitive and SQLite's is not.
 */
function matchingImages(eb: ExpressionBuilder<Database, 'images'>, filter: ImageFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.personId) {
    conditions.push(
      eb.exists(
        eb
          .selectFrom('faces')
          .select('faces.id')
          .whereRef('faces.image_id', '=', 'images.id')
          .where('faces.person_id', '=', filter.personId),
      ),
    );
  }
  const search = filter.search?.trim();
  if (search) {
    const pattern = `%${likeLiteral(search.toLowerCase())}%`;
    conditions.push(
      eb.or([
        sql<SqlBool>`lower(${eb.ref('images.file')}) like ${pattern} escape '\\'`,
        sql<SqlBool>`lower(${eb.ref('images.import_path')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  return eb.and(conditions);
}

function enrolledSource(row: {
  source_image_id: string | null;
  source_face_id: string | null;
}): EnrolledFace['source'] {
  return row.source_image_id && row.source_face_id
    ? { imageId: row.source_image_id, faceId: row.source_face_id }
    : null;
}

function withoutEmbedding(face: FaceWithEmbedding): FaceRecord {
  const { embedding: _e, modelName: _n, modelVersion: _v, ...rest } = face;
  return rest;
}

function toPerson(row: {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  enrolled: number | null;
}): Person {
  return {
    id: row.id,
    name: row.name,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    enrolledFaces: Number(row.enrolled ?? 0),
  };
}
