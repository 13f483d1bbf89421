import { expect, it } from 'vitest';
import {
  describeWithStores,
  face,
  MODEL,
  newImage,
  type PhotoStoresContract,
} from './photo-stores.fixture.ts';

/** The GalleryStore contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const galleryContract: PhotoStoresContract = (name, create) => {
  describeWithStores(`GalleryStore contract: ${name}`, create, (ctx) => {
    it('flags automatic faces for re-matching on enroll and leaves manual ones alone', async () => {
      const ann = await ctx.stores.people.createPerson('Ann', 1000);
      const bob = await ctx.stores.people.createPerson('Bob', 1000);
      const { image } = await ctx.stores.images.createImage(newImage('gg'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await ctx.stores.leases.completeImage(
        image.id,
        'w',
        [face(null, null, 1), face(null, null, 2)],
        MODEL,
        1100,
      );
      const [f1, f2] = (await ctx.stores.images.getImage(image.id))?.faces ?? [];
      await ctx.stores.enrolment.assignFace(f2?.id as string, bob.id, 1200);
      await ctx.stores.outbox.deleteOutbox((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.id));
      await ctx.stores.enrolment.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1300, null);
      const candidates = await ctx.stores.gallery.rematchCandidates(10);
      expect(candidates.map((c) => c.faceId)).toEqual([f1?.id]);
      expect((await ctx.stores.outbox.takeOutbox(10))[0]?.job.payload).toMatchObject({
        kind: 'reidentify',
        reason: 'enroll',
      });
      const changed = await ctx.stores.gallery.applyRematch(
        [
          { faceId: f1?.id as string, personId: ann.id, distance: 0.1 },
          { faceId: f2?.id as string, personId: ann.id, distance: 0.1 },
        ],
        1400,
      );
      expect(changed).toEqual([image.id]);
      const faces = (await ctx.stores.images.getImage(image.id))?.faces ?? [];
      expect(faces.map((f) => [f.person?.name, f.matchSource])).toEqual([
        ['Ann', 'auto'],
        ['Bob', 'manual'],
      ]);
      expect((await ctx.stores.gallery.loadGallery(MODEL)).entries).toHaveLength(1);
    });

    it('queues re-matching when faces were matched against an outdated gallery', async () => {
      const { image } = await ctx.stores.images.createImage(newImage('ii'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      const seen = await ctx.stores.gallery.galleryVersion();
      const ann = await ctx.stores.people.createPerson('Ann', 1000);
      await ctx.stores.enrolment.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1050, null);
      await ctx.stores.leases.completeImage(image.id, 'w', [face(null, null)], MODEL, 1100, seen);
      expect(await ctx.stores.gallery.rematchCandidates(10)).toHaveLength(1);
    });
  });
};
