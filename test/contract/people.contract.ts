import { expect, it } from 'vitest';
import {
  describeWithStores,
  face,
  MODEL,
  newImage,
  type PhotoStoresContract,
} from './photo-stores.fixture.ts';

/** The PeopleStore contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const peopleContract: PhotoStoresContract = (name, create) => {
  describeWithStores(`PeopleStore contract: ${name}`, create, (ctx) => {
    it('stores names verbatim, SQL metacharacters included', async () => {
      const name = `Robert'); DROP TABLE people;-- "%_\\`;
      const person = await ctx.stores.people.createPerson(name, 1000);
      expect((await ctx.stores.people.getPerson(person.id))?.name).toBe(name);
      expect((await ctx.stores.people.listPeople()).map((p) => p.name)).toEqual([name]);
    });

    it('deleting a person removes their embeddings and queues their faces for re-matching', async () => {
      const ann = await ctx.stores.people.createPerson('Ann', 1000);
      await ctx.stores.enrolment.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1000, null);
      const { image } = await ctx.stores.images.createImage(newImage('hh'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await ctx.stores.leases.completeImage(
        image.id,
        'w',
        [face(ann.id, 0.2)],
        MODEL,
        1100,
        await ctx.stores.gallery.galleryVersion(),
      );
      const before = await ctx.stores.gallery.galleryVersion();
      expect(await ctx.stores.people.deletePerson(ann.id, 1200, null)).toBe(true);
      expect(await ctx.stores.gallery.galleryVersion()).toBe(before + 1);
      expect((await ctx.stores.gallery.loadGallery(MODEL)).entries).toHaveLength(0);
      expect((await ctx.stores.images.getImage(image.id))?.faces[0]?.person).toBeNull();
      expect(await ctx.stores.gallery.rematchCandidates(10)).toHaveLength(1);
      expect(await ctx.stores.people.deletePerson(ann.id, 1300, null)).toBe(false);
    });
  });
};
