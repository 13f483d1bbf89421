import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  face,
  MODEL,
  newImage,
  type PhotoStoresFixture,
  type PhotoStoresOptions,
} from './photo-stores.fixture.ts';

/** The GalleryStore contract: every SQL database (SQLite, PostgreSQL) runs it. */
export function galleryContract(
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  _options: PhotoStoresOptions,
): void {
  describe(`GalleryStore contract: ${name}`, () => {
    let fixture: PhotoStoresFixture;
    let stores: PhotoStoresFixture['stores'];

    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('flags automatic faces for re-matching on enroll and leaves manual ones alone', async () => {
      const ann = await stores.people.createPerson('Ann', 1000);
      const bob = await stores.people.createPerson('Bob', 1000);
      const { image } = await stores.images.createImage(newImage('gg'), 1000);
      await stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await stores.leases.completeImage(
        image.id,
        'w',
        [face(null, null, 1), face(null, null, 2)],
        MODEL,
        1100,
      );
      const [f1, f2] = (await stores.images.getImage(image.id))?.faces ?? [];
      await stores.enrolment.assignFace(f2?.id as string, bob.id, 1200);
      await stores.outbox.deleteOutbox((await stores.outbox.takeOutbox(10)).map((o) => o.id));
      await stores.enrolment.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1300, null);
      const candidates = await stores.gallery.rematchCandidates(10);
      expect(candidates.map((c) => c.faceId)).toEqual([f1?.id]);
      expect((await stores.outbox.takeOutbox(10))[0]?.job.payload).toMatchObject({
        kind: 'reidentify',
        reason: 'enroll',
      });
      const changed = await stores.gallery.applyRematch(
        [
          { faceId: f1?.id as string, personId: ann.id, distance: 0.1 },
          { faceId: f2?.id as string, personId: ann.id, distance: 0.1 },
        ],
        1400,
      );
      expect(changed).toEqual([image.id]);
      const faces = (await stores.images.getImage(image.id))?.faces ?? [];
      expect(faces.map((f) => [f.person?.name, f.matchSource])).toEqual([
        ['Ann', 'auto'],
        ['Bob', 'manual'],
      ]);
      expect((await stores.gallery.loadGallery(MODEL)).entries).toHaveLength(1);
    });

    it('queues re-matching when faces were matched against an outdated gallery', async () => {
      const { image } = await stores.images.createImage(newImage('ii'), 1000);
      await stores.leases.claimImage(image.id, 'w', 1000, 1000);
      const seen = await stores.gallery.galleryVersion();
      const ann = await stores.people.createPerson('Ann', 1000);
      await stores.enrolment.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1050, null);
      await stores.leases.completeImage(image.id, 'w', [face(null, null)], MODEL, 1100, seen);
      expect(await stores.gallery.rematchCandidates(10)).toHaveLength(1);
    });
  });
}
