import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  face,
  MODEL,
  newImage,
  type PhotoStoresFixture,
  type PhotoStoresOptions,
} from './photo-stores.fixture.ts';

/** The PeopleStore contract: every SQL database (SQLite, PostgreSQL) runs it. */
export function peopleContract(
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  _options: PhotoStoresOptions,
): void {
  describe(`PeopleStore contract: ${name}`, () => {
    let fixture: PhotoStoresFixture;
    let stores: PhotoStoresFixture['stores'];

    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('stores names verbatim, SQL metacharacters included', async () => {
      const name = `Robert'); DROP TABLE people;-- "%_\\`;
      const person = await stores.people.createPerson(name, 1000);
      expect((await stores.people.getPerson(person.id))?.name).toBe(name);
      expect((await stores.people.listPeople()).map((p) => p.name)).toEqual([name]);
    });

    it('deleting a person removes their embeddings and queues their faces for re-matching', async () => {
      const ann = await stores.people.createPerson('Ann', 1000);
      await stores.enrolment.enroll(ann.id, new Float32Array([1, 0, 0, 0]), MODEL, null, 1000, null);
      const { image } = await stores.images.createImage(newImage('hh'), 1000);
      await stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await stores.leases.completeImage(
        image.id,
        'w',
        [face(ann.id, 0.2)],
        MODEL,
        1100,
        await stores.gallery.galleryVersion(),
      );
      const before = await stores.gallery.galleryVersion();
      expect(await stores.people.deletePerson(ann.id, 1200, null)).toBe(true);
      expect(await stores.gallery.galleryVersion()).toBe(before + 1);
      expect((await stores.gallery.loadGallery(MODEL)).entries).toHaveLength(0);
      expect((await stores.images.getImage(image.id))?.faces[0]?.person).toBeNull();
      expect(await stores.gallery.rematchCandidates(10)).toHaveLength(1);
      expect(await stores.people.deletePerson(ann.id, 1300, null)).toBe(false);
    });
  });
}
