import { expect, it } from 'vitest';
import {
  describeWithStores,
  face,
  MODEL,
  newImage,
  type PhotoStoresContract,
} from './photo-stores.fixture.ts';

/** The EnrolmentStore contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const enrolmentContract: PhotoStoresContract = (name, create) => {
  describeWithStores(`EnrolmentStore contract: ${name}`, create, (ctx) => {
    it("lists a person's enrolled faces with their source and kept picture, and drops them with the person", async () => {
      const person = await ctx.stores.people.createPerson('Ann', 1000);
      const other = await ctx.stores.people.createPerson('Ben', 1000);
      const { image } = await ctx.stores.images.createImage(newImage('ef'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await ctx.stores.leases.completeImage(image.id, 'w', [face(null, null)], MODEL, 1100);
      const faceId = (await ctx.stores.images.getImage(image.id))?.faces[0]?.id as string;
      const uploaded = await ctx.stores.enrolment.enroll(
        person.id,
        new Float32Array([1, 0, 0, 0]),
        MODEL,
        null,
        1200,
        null,
      );
      const stored = await ctx.stores.enrolment.enroll(
        person.id,
        new Float32Array([0, 1, 0, 0]),
        MODEL,
        { imageId: image.id, faceId },
        1300,
        null,
      );
      const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
      await ctx.stores.enrolment.setEnrolledThumbnail(uploaded.enrolledId, jpeg);

      expect(await ctx.stores.enrolment.listEnrolledFaces(person.id)).toEqual([
        { id: uploaded.enrolledId, personId: person.id, source: null, hasThumbnail: true, createdAt: 1200 },
        {
          id: stored.enrolledId,
          personId: person.id,
          source: { imageId: image.id, faceId },
          hasThumbnail: false,
          createdAt: 1300,
        },
      ]);
      expect(await ctx.stores.enrolment.enrolledThumbnail(person.id, uploaded.enrolledId)).toEqual({
        jpeg,
        source: null,
      });
      expect(await ctx.stores.enrolment.enrolledThumbnail(person.id, stored.enrolledId)).toEqual({
        jpeg: null,
        source: { imageId: image.id, faceId },
      });
      expect(await ctx.stores.enrolment.enrolledThumbnail(other.id, uploaded.enrolledId)).toBeNull();
      expect(await ctx.stores.enrolment.listEnrolledFaces(other.id)).toEqual([]);

      await ctx.stores.people.deletePerson(person.id, 1400, null);
      expect(await ctx.stores.enrolment.listEnrolledFaces(person.id)).toEqual([]);
      expect(await ctx.stores.enrolment.enrolledThumbnail(person.id, uploaded.enrolledId)).toBeNull();
    });

    it('reads a stored face with its embedding and names it by hand', async () => {
      const ann = await ctx.stores.people.createPerson('Ann', 1000);
      const { image } = await ctx.stores.images.createImage(newImage('na'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await ctx.stores.leases.completeImage(image.id, 'w', [face(null, null, 3)], MODEL, 1100);
      const faceId = (await ctx.stores.images.getImage(image.id))?.faces[0]?.id as string;
      const stored = await ctx.stores.enrolment.getFace(faceId);
      expect(stored?.embedding).toEqual(new Float32Array([3, 0, 0, 0]));
      expect([stored?.modelName, stored?.modelVersion]).toEqual([MODEL.name, MODEL.version]);
      const named = await ctx.stores.enrolment.assignFace(faceId, ann.id, 1200);
      expect(named).toMatchObject({ id: faceId, person: { id: ann.id, name: 'Ann' }, matchSource: 'manual' });
      expect(named).not.toHaveProperty('embedding');
      expect(await ctx.stores.enrolment.assignFace('fac_missing', ann.id, 1200)).toBeNull();
      expect(await ctx.stores.enrolment.getFace('fac_missing')).toBeNull();
    });
  });
};
