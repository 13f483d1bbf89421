import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  face,
  MODEL,
  newImage,
  type PhotoStoresFixture,
  type PhotoStoresOptions,
} from './photo-stores.fixture.ts';

/** The EnrolmentStore contract: every SQL database (SQLite, PostgreSQL) runs it. */
export function enrolmentContract(
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  _options: PhotoStoresOptions,
): void {
  describe(`EnrolmentStore contract: ${name}`, () => {
    let fixture: PhotoStoresFixture;
    let stores: PhotoStoresFixture['stores'];

    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it("lists a person's enrolled faces with their source and kept picture, and drops them with the person", async () => {
      const person = await stores.people.createPerson('Ann', 1000);
      const other = await stores.people.createPerson('Ben', 1000);
      const { image } = await stores.images.createImage(newImage('ef'), 1000);
      await stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await stores.leases.completeImage(image.id, 'w', [face(null, null)], MODEL, 1100);
      const faceId = (await stores.images.getImage(image.id))?.faces[0]?.id as string;
      const uploaded = await stores.enrolment.enroll(
        person.id,
        new Float32Array([1, 0, 0, 0]),
        MODEL,
        null,
        1200,
        null,
      );
      const stored = await stores.enrolment.enroll(
        person.id,
        new Float32Array([0, 1, 0, 0]),
        MODEL,
        { imageId: image.id, faceId },
        1300,
        null,
      );
      const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
      await stores.enrolment.setEnrolledThumbnail(uploaded.enrolledId, jpeg);

      expect(await stores.enrolment.listEnrolledFaces(person.id)).toEqual([
        { id: uploaded.enrolledId, personId: person.id, source: null, hasThumbnail: true, createdAt: 1200 },
        {
          id: stored.enrolledId,
          personId: person.id,
          source: { imageId: image.id, faceId },
          hasThumbnail: false,
          createdAt: 1300,
        },
      ]);
      expect(await stores.enrolment.enrolledThumbnail(person.id, uploaded.enrolledId)).toEqual({
        jpeg,
        source: null,
      });
      expect(await stores.enrolment.enrolledThumbnail(person.id, stored.enrolledId)).toEqual({
        jpeg: null,
        source: { imageId: image.id, faceId },
      });
      expect(await stores.enrolment.enrolledThumbnail(other.id, uploaded.enrolledId)).toBeNull();
      expect(await stores.enrolment.listEnrolledFaces(other.id)).toEqual([]);

      await stores.people.deletePerson(person.id, 1400, null);
      expect(await stores.enrolment.listEnrolledFaces(person.id)).toEqual([]);
      expect(await stores.enrolment.enrolledThumbnail(person.id, uploaded.enrolledId)).toBeNull();
    });
  });
}
