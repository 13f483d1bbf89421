import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/sql/schema.ts';
import type { ImageStore, NewFace } from '../../src/ports/image-store.ts';
import type { OutgoingJob } from '../../src/ports/job-queue.ts';
import { newImageRow } from '../helpers/image-rows.ts';

export interface ImageStoreFixture {
  store: ImageStore;
  /** The tables underneath (every store adapter is Kysely over the same schema), to set up odd states. */
  db: Kysely<Database>;
  /** A second store on the same database through its own connection(s), as another process would have. */
  openAnother(): Promise<ImageStore>;
  close(): Promise<void>;
}

export const MODEL = { name: 'test-model', version: '1' };

export function newImage(sha: string) {
  return newImageRow(sha.padEnd(64, '0'), {
    requestId: 'req-1',
    width: 10,
    height: 10,
    size: 10,
    file: `${sha}.jpg`,
  });
}

export function face(personId: string | null, distance: number | null, seed = 1): NewFace {
  return {
    box: { top: 1, right: 5, bottom: 5, left: 1 },
    landmarks: [{ x: 2, y: 2 }],
    score: 0.9,
    quality: null,
    embedding: new Float32Array([seed, 0, 0, 0]),
    personId,
    distance,
  };
}

/** The ImageStore contract: every adapter (SQLite, PostgreSQL) runs it. */
export function imageStoreContract(
  name: string,
  create: () => Promise<ImageStoreFixture>,
  options: {
    /**
     * Whether two connections in one process may hold write transactions at once. SQLite serialises
     * writers (BEGIN IMMEDIATE) and better-sqlite3 waits synchronously, so there it is a two-process test
     * (test/e2e/two-workers); PostgreSQL runs it here.
     */
    concurrentTransactions: boolean;
  },
): void {
  describe(`ImageStore contract: ${name}`, () => {
    let fixture: ImageStoreFixture;
    let store: ImageStore;

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores the same bytes once and writes one outbox job with the photo', async () => {
      const first = await store.createImage(newImage('aa'), 1000);
      const second = await store.createImage(newImage('aa'), 2000);
      expect(first.duplicate).toBe(false);
      expect(second.duplicate).toBe(true);
      expect(second.image.id).toBe(first.image.id);
      const outbox = await store.takeOutbox(10);
      expect(outbox.map((o) => o.job.payload)).toEqual([
        { kind: 'process_image', imageId: first.image.id, requestId: 'req-1' },
      ]);
    });

    it('leases a photo to one worker at a time and hands it over when the lease expires', async () => {
      const { image } = await store.createImage(newImage('bb'), 1000);
      const a = await store.claimImage(image.id, 'worker-a', 5000, 1000);
      expect(a?.attempt).toBe(1);
      expect(await store.claimImage(image.id, 'worker-b', 5000, 2000)).toBeNull();
      const b = await store.claimImage(image.id, 'worker-b', 5000, 7000);
      expect(b?.attempt).toBe(2);
      // the first worker lost its lease: its result is not written
      expect(await store.completeImage(image.id, 'worker-a', [face(null, null)], MODEL, 7100)).toBe(false);
      expect(await store.completeImage(image.id, 'worker-b', [face(null, null)], MODEL, 7200)).toBe(true);
      const detail = await store.getImage(image.id);
      expect(detail?.status).toBe('processed');
      expect(detail?.faces).toHaveLength(1);
    });

    it('schedules retries and keeps the error of a failed photo', async () => {
      const { image } = await store.createImage(newImage('dd'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      const error = { code: 'engine_failure' as const, message: 'boom', retryable: true };
      expect(await store.failImage(image.id, 'w', error, 5000, 1100)).toBe(true);
      expect(await store.claimImage(image.id, 'w', 1000, 4000)).toBeNull();
      const again = await store.claimImage(image.id, 'w', 1000, 5000);
      expect(again?.attempt).toBe(2);
      await store.failImage(image.id, 'w', { ...error, retryable: false }, null, 5100);
      const detail = await store.getImage(image.id);
      expect(detail?.status).toBe('failed');
      expect(detail?.attempts).toBe(2);
      expect(detail?.lastError).toEqual({ code: 'engine_failure', message: 'boom', retryable: false });
    });

    it('requeues photos whose worker died and pending photos whose message was lost', async () => {
      const a = (await store.createImage(newImage('e1'), 1000)).image;
      const b = (await store.createImage(newImage('e2'), 1000)).image;
      const c = (await store.createImage(newImage('e3'), 1000)).image;
      await store.deleteOutbox((await store.takeOutbox(10)).map((o) => o.id));
      await store.claimImage(a.id, 'dead', 1000, 1000); // lease expires at 2000
      await store.claimImage(c.id, 'alive', 100_000, 1000);
      const ids = await store.requeueStuck(70_000, 60_000, 10);
      expect(ids.sort()).toEqual([a.id, b.id].sort());
      expect((await store.takeOutbox(10)).map((o) => o.job.payload)).toHaveLength(2);
      // b is due again from now on: not requeued a second time right away
      expect(await store.requeueStuck(70_001, 60_000, 10)).toEqual([a.id]);
    });

    it('gives photos that failed after transient errors a new round, not permanent failures', async () => {
      const transient = (await store.createImage(newImage('r1'), 1000)).image;
      const permanent = (await store.createImage(newImage('r2'), 1000)).image;
      for (const [image, retryable] of [
        [transient, true],
        [permanent, false],
      ] as const) {
        await store.claimImage(image.id, 'w', 1000, 1000);
        await store.failImage(image.id, 'w', { code: 'engine_failure', message: 'x', retryable }, null, 1100);
      }
      await store.deleteOutbox((await store.takeOutbox(10)).map((o) => o.id));
      expect(await store.requeueFailedRetryable(2000, 10)).toEqual([transient.id]);
      const again = await store.getImage(transient.id);
      expect([again?.status, again?.attempts]).toEqual(['pending', 0]);
      expect((await store.getImage(permanent.id))?.status).toBe('failed');
      expect((await store.takeOutbox(10)).map((o) => o.job.payload)).toMatchObject([
        { imageId: transient.id },
      ]);
    });

    it('releases a photo at shutdown without counting the attempt', async () => {
      const { image } = await store.createImage(newImage('ff'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      expect(await store.releaseImage(image.id, 'w', 1200)).toBe(true);
      const detail = await store.getImage(image.id);
      expect(detail?.status).toBe('pending');
      expect(detail?.attempts).toBe(0);
    });

    it('pages images newest first with a keyset cursor and filters by status and person', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.createImage(newImage(`p${i}`), 1000 + i)).image.id);
      const page1 = await store.listImages({ limit: 2 });
      expect(page1.items.map((i) => i.id)).toEqual([ids[4], ids[3]]);
      const page2 = await store.listImages({ limit: 2, cursor: page1.nextCursor ?? undefined });
      expect(page2.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
      const page3 = await store.listImages({ limit: 2, cursor: page2.nextCursor ?? undefined });
      expect(page3.items.map((i) => i.id)).toEqual([ids[0]]);
      expect(page3.nextCursor).toBeNull();
      const person = await store.createPerson('Ann', 1000);
      const target = ids[2] as string;
      await store.claimImage(target, 'w', 1000, 2000);
      await store.completeImage(target, 'w', [face(person.id, 0.3)], MODEL, 2100);
      expect((await store.listImages({ limit: 10, personId: person.id })).items.map((i) => i.id)).toEqual([
        target,
      ]);
      expect((await store.listImages({ limit: 10, status: 'processed' })).items.map((i) => i.id)).toEqual([
        target,
      ]);
    });

    it('searches file names and import paths, ignoring case, with LIKE wildcards taken literally', async () => {
      const add = async (key: string, file: string, importPath: string | null, at: number) =>
        (await store.createImage(newImageRow(key, { file, importPath }), at)).image.id;
      const underscore = await add('s1', 'Holiday_2024.JPG', null, 1000);
      const percent = await add('s2', 'holiday%2024.jpg', null, 1001);
      const work = await add('s3', 'work.png', null, 1002);
      const trip = await add('s4', 'a.jpg', '/imports/Trip/a.jpg', 1003);
      const slash = await add('s5', 'back\\slash.jpg', null, 1004);
      const search = async (text: string) =>
        (await store.listImages({ limit: 10, search: text })).items.map((i) => i.id);

      expect(await search('HOLIDAY')).toEqual([percent, underscore]);
      expect(await search('%')).toEqual([percent]);
      expect(await search('y_2')).toEqual([underscore]);
      expect(await search('\\')).toEqual([slash]);
      expect(await search('trip/')).toEqual([trip]);
      expect(await search("'; drop table images;--")).toEqual([]);
      expect(await search('  ')).toHaveLength(5);

      // Keyset pages stay within the search.
      const first = await store.listImages({ limit: 1, search: 'holiday' });
      expect(first.items.map((i) => i.id)).toEqual([percent]);
      const second = await store.listImages({ limit: 1, search: 'holiday', cursor: first.nextCursor ?? '' });
      expect(second.items.map((i) => i.id)).toEqual([underscore]);
      expect(second.nextCursor).toBeNull();

      // Counts follow the same filter; with a person too, only their matching photos count.
      const person = await store.createPerson('Ann', 1000);
      await store.claimImage(work, 'w', 1000, 2000);
      await store.completeImage(work, 'w', [face(person.id, 0.3)], MODEL, 2100);
      await store.claimImage(underscore, 'w', 1000, 2000);
      await store.completeImage(underscore, 'w', [face(person.id, 0.3)], MODEL, 2100);
      expect(await store.countByStatus({ search: 'holiday' })).toEqual({
        pending: 1,
        processing: 0,
        processed: 1,
        failed: 0,
      });
      expect(await store.countByStatus({ search: 'holiday', personId: person.id })).toEqual({
        pending: 0,
        processing: 0,
        processed: 1,
        failed: 0,
      });
      expect(
        await store.listImages({ limit: 10, search: 'o', personId: person.id, status: 'processed' }),
      ).toEqual({
        items: [expect.objectContaining({ id: work }), expect.objectContaining({ id: underscore })],
        nextCursor: null,
      });
      expect((await store.countByStatus()).pending).toBe(3);
    });

    it("lists a person's enrolled faces with their source and kept picture, and drops them with the person", async () => {
      const person = await store.createPerson('Ann', 1000);
      const other = await store.createPerson('Ben', 1000);
      const { image } = await store.createImage(newImage('ef'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      await store.completeImage(image.id, 'w', [face(null, null)], MODEL, 1100);
      const faceId = (await store.getImage(image.id))?.faces[0]?.id as string;
      const uploaded = await store.enroll(person.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1200, null);
      const stored = await store.enroll(
        person.id,
        new Float32Array([0, 1, 0, 0]),
        MODEL,
        { imageId: image.id, faceId },
        1300,
        null,
      );
      const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
      await store.setEnrolledThumbnail(uploaded.enrolledId, jpeg);

      expect(await store.listEnrolledFaces(person.id)).toEqual([
        { id: uploaded.enrolledId, personId: person.id, source: null, hasThumbnail: true, createdAt: 1200 },
        {
          id: stored.enrolledId,
          personId: person.id,
          source: { imageId: image.id, faceId },
          hasThumbnail: false,
          createdAt: 1300,
        },
      ]);
      expect(await store.enrolledThumbnail(person.id, uploaded.enrolledId)).toEqual({ jpeg, source: null });
      expect(await store.enrolledThumbnail(person.id, stored.enrolledId)).toEqual({
        jpeg: null,
        source: { imageId: image.id, faceId },
      });
      expect(await store.enrolledThumbnail(other.id, uploaded.enrolledId)).toBeNull();
      expect(await store.listEnrolledFaces(other.id)).toEqual([]);

      await store.deletePerson(person.id, 1400, null);
      expect(await store.listEnrolledFaces(person.id)).toEqual([]);
      expect(await store.enrolledThumbnail(person.id, uploaded.enrolledId)).toBeNull();
    });

    it('stores names verbatim, SQL metacharacters included', async () => {
      const name = `Robert'); DROP TABLE people;-- "%_\\`;
      const person = await store.createPerson(name, 1000);
      expect((await store.getPerson(person.id))?.name).toBe(name);
      expect((await store.listPeople()).map((p) => p.name)).toEqual([name]);
    });

    it('flags automatic faces for re-matching on enroll and leaves manual ones alone', async () => {
      const ann = await store.createPerson('Ann', 1000);
      const bob = await store.createPerson('Bob', 1000);
      const { image } = await store.createImage(newImage('gg'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      await store.completeImage(image.id, 'w', [face(null, null, 1), face(null, null, 2)], MODEL, 1100);
      const [f1, f2] = (await store.getImage(image.id))?.faces ?? [];
      await store.assignFace(f2?.id as string, bob.id, 1200);
      await store.deleteOutbox((await store.takeOutbox(10)).map((o) => o.id));
      await store.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1300, null);
      const candidates = await store.rematchCandidates(10);
      expect(candidates.map((c) => c.faceId)).toEqual([f1?.id]);
      expect((await store.takeOutbox(10))[0]?.job.payload).toMatchObject({
        kind: 'reidentify',
        reason: 'enroll',
      });
      const changed = await store.applyRematch(
        [
          { faceId: f1?.id as string, personId: ann.id, distance: 0.1 },
          { faceId: f2?.id as string, personId: ann.id, distance: 0.1 },
        ],
        1400,
      );
      expect(changed).toEqual([image.id]);
      const faces = (await store.getImage(image.id))?.faces ?? [];
      expect(faces.map((f) => [f.person?.name, f.matchSource])).toEqual([
        ['Ann', 'auto'],
        ['Bob', 'manual'],
      ]);
      expect((await store.loadGallery(MODEL)).entries).toHaveLength(1);
    });

    it('deleting a person removes their embeddings and queues their faces for re-matching', async () => {
      const ann = await store.createPerson('Ann', 1000);
      await store.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1000, null);
      const { image } = await store.createImage(newImage('hh'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      await store.completeImage(
        image.id,
        'w',
        [face(ann.id, 0.2)],
        MODEL,
        1100,
        await store.galleryVersion(),
      );
      const before = await store.galleryVersion();
      expect(await store.deletePerson(ann.id, 1200, null)).toBe(true);
      expect(await store.galleryVersion()).toBe(before + 1);
      expect((await store.loadGallery(MODEL)).entries).toHaveLength(0);
      expect((await store.getImage(image.id))?.faces[0]?.person).toBeNull();
      expect(await store.rematchCandidates(10)).toHaveLength(1);
      expect(await store.deletePerson(ann.id, 1300, null)).toBe(false);
    });

    it('queues re-matching when faces were matched against an outdated gallery', async () => {
      const { image } = await store.createImage(newImage('ii'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      const seen = await store.galleryVersion();
      const ann = await store.createPerson('Ann', 1000);
      await store.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1050, null);
      await store.completeImage(image.id, 'w', [face(null, null)], MODEL, 1100, seen);
      expect(await store.rematchCandidates(10)).toHaveLength(1);
    });

    it('replaces faces when a photo is processed again, never duplicates them', async () => {
      const { image } = await store.createImage(newImage('cc'), 1000);
      await store.claimImage(image.id, 'w', 1000, 1000);
      await store.completeImage(image.id, 'w', [face(null, null, 1), face(null, null, 2)], MODEL, 1100);
      await fixture.db.updateTable('images').set({ status: 'pending' }).where('id', '=', image.id).execute();
      await store.claimImage(image.id, 'w', 1000, 2000);
      await store.completeImage(image.id, 'w', [face(null, null, 1), face(null, null, 2)], MODEL, 2100);
      const rows = await fixture.db
        .selectFrom('faces')
        .select('id')
        .where('image_id', '=', image.id)
        .execute();
      expect(rows).toHaveLength(2);
    });

    it('gives each photo to exactly one of two stores claiming at once', async () => {
      const other = await fixture.openAnother();
      try {
        const ids: string[] = [];
        for (let i = 0; i < 20; i++)
          ids.push((await store.createImage(newImage(`k${String(i).padStart(2, '0')}`), 1000)).image.id);
        const claims = await Promise.all(
          ids.flatMap((id) => [
            store.claimImage(id, 'a', 60_000, 2000).then((c) => (c ? `${id}:a` : null)),
            other.claimImage(id, 'b', 60_000, 2000).then((c) => (c ? `${id}:b` : null)),
          ]),
        );
        const won = claims.filter((c): c is string => c !== null);
        expect(won).toHaveLength(ids.length);
        expect(new Set(won.map((c) => c.split(':')[0]))).toEqual(new Set(ids));
      } finally {
        await other.close();
      }
    });

    it.runIf(options.concurrentTransactions)(
      'relays each outbox job once when two processes relay at the same moment',
      async () => {
        const other = await fixture.openAnother();
        try {
          for (let i = 0; i < 20; i++)
            await store.createImage(newImage(`r${String(i).padStart(2, '0')}`), 1000);
          const published: string[] = [];
          const slowPublish = async (jobs: OutgoingJob[]) => {
            await new Promise((r) => setTimeout(r, 200));
            for (const job of jobs)
              if (job.payload.kind === 'process_image') published.push(job.payload.imageId);
          };
          const moved = await Promise.all([
            store.relayOutbox(500, slowPublish),
            other.relayOutbox(500, slowPublish),
          ]);
          expect(moved[0] + moved[1]).toBe(20);
          expect(published).toHaveLength(20);
          expect(new Set(published).size).toBe(20);
          expect(await store.takeOutbox(10)).toEqual([]);
          // a failed publish keeps the rows for the next round
          await store.createImage(newImage('later'), 2000);
          await expect(
            store.relayOutbox(500, async () => {
              throw new Error('broker down');
            }),
          ).rejects.toThrow('broker down');
          expect(await other.relayOutbox(500, slowPublish)).toBe(1);
        } finally {
          await other.close();
        }
      },
    );

    it.runIf(options.concurrentTransactions)(
      'keeps one photo for the same bytes uploaded twice at once',
      async () => {
        const other = await fixture.openAnother();
        try {
          const [a, b] = await Promise.all([
            store.createImage(newImage('dup'), 1000),
            other.createImage(newImage('dup'), 1000),
          ]);
          expect(a.image.id).toBe(b.image.id);
          expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
          expect((await store.takeOutbox(10)).length).toBe(1);
        } finally {
          await other.close();
        }
      },
    );
  });
}
