import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewFace } from '../../ports/image-leases.ts';
import type { PhotoStores } from '../../ports/photo-stores.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';
import { SqlPrivacyStore } from './privacy-store.sql.ts';
import { sqlPhotoStores } from './sql-stores.ts';

const MODEL = { name: 'test', version: '1' };
const FACE: NewFace = {
  box: { top: 1, right: 20, bottom: 20, left: 1 },
  landmarks: [],
  score: 0.9,
  quality: null,
  embedding: new Float32Array([1, 0, 0, 0]),
  personId: null,
  distance: null,
};

describe('SqlPrivacyStore.forgetPerson', () => {
  let handle: SqliteHandle;
  let stores: PhotoStores;
  let privacy: SqlPrivacyStore;

  beforeEach(async () => {
    handle = await openSqlite(':memory:');
    stores = sqlPhotoStores(handle.db);
    privacy = new SqlPrivacyStore(handle.db);
  });
  afterEach(() => handle.close());

  async function processedPhoto(sha256: string) {
    const { image } = await stores.images.createImage(
      {
        sha256,
        size: 1,
        mediaType: 'image/jpeg',
        file: sha256,
        importPath: null,
        requestId: null,
        width: 9,
        height: 9,
      },
      10,
    );
    await stores.leases.claimImage(image.id, 'w', 60_000, 10);
    await stores.leases.completeImage(image.id, 'w', [FACE, FACE], MODEL, 10);
    const detail = await stores.images.getImage(image.id);
    return { id: image.id, faces: (detail?.faces ?? []).map((f) => f.id) };
  }

  it('changes nothing and answers null for an unknown person', async () => {
    await processedPhoto('a'.repeat(64));
    const before = await handle.db.selectFrom('outbox').select('id').execute();
    expect(await privacy.forgetPerson('per_missing', { purgePhotos: true }, 20, null)).toBeNull();
    expect(await handle.db.selectFrom('outbox').select('id').execute()).toEqual(before);
    expect(await handle.db.selectFrom('images').select('id').execute()).toHaveLength(1);
  });

  it('purges a shared photo: the other person keeps their embedding without a source, queued jobs go', async () => {
    const shared = await processedPhoto('b'.repeat(64));
    const ann = await stores.people.createPerson('Ann', 11);
    const bob = await stores.people.createPerson('Bob', 11);
    await stores.enrolment.assignFace(shared.faces[0] as string, ann.id, 12);
    await stores.enrolment.enroll(
      bob.id,
      FACE.embedding,
      MODEL,
      { imageId: shared.id, faceId: shared.faces[1] as string },
      13,
      null,
    );
    await handle.db
      .insertInto('jobs')
      .values({
        id: 'job_1',
        kind: 'process_image',
        payload: '{}',
        dedupe_key: `image:${shared.id}`,
        priority: 1,
        available_at: 0,
        lease_owner: null,
        lease_until: null,
        created_at: 0,
      })
      .execute();
    // An unfinished dataset-average job still lists these bytes in a chunk not yet done.
    await sql`insert into average_jobs (id, state, source, options, rejected, created_at, updated_at)
      values ('avg_1', 'running', '{}', '{}', '[]', 0, 0)`.execute(handle.db);
    await sql`insert into average_chunks (job_id, chunk_index, entries, entry_count, state, created_at)
      values ('avg_1', 0, ${JSON.stringify([{ entry: 'x.jpg', sha256: 'b'.repeat(64) }])}, 1, 'pending', 0)`.execute(
      handle.db,
    );

    const forgotten = await privacy.forgetPerson(ann.id, { purgePhotos: true }, 20, null);
    expect(forgotten).toMatchObject({
      person: { id: ann.id, name: 'Ann' },
      enrolledEmbeddings: 0,
      facesUnlabelled: 0,
      faces: 2,
      photos: [{ id: shared.id, sha256: 'b'.repeat(64), blobFree: false }],
    });
    // The photo's outbox job and its embedded-queue job.
    expect(forgotten?.jobs).toBe(2);
    expect(await handle.db.selectFrom('jobs').select('id').execute()).toEqual([]);
    const bobs = await handle.db
      .selectFrom('enrolled_faces')
      .selectAll()
      .where('person_id', '=', bob.id)
      .execute();
    expect(bobs.map((r) => [r.source_image_id, r.source_face_id])).toEqual([[null, null]]);

    // Once the average job is done with the bytes, a purge frees them.
    await sql`update average_chunks set state = 'done'`.execute(handle.db);
    const again = await processedPhoto('b'.repeat(64));
    await stores.enrolment.assignFace(again.faces[0] as string, bob.id, 30);
    expect((await privacy.forgetPerson(bob.id, { purgePhotos: true }, 31, null))?.photos).toEqual([
      { id: again.id, sha256: 'b'.repeat(64), blobFree: true },
    ]);
  });
});
