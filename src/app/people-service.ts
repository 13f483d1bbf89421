import { AppError } from '../core/errors.ts';
import type { Principal } from '../core/principal.ts';
import type { EnrolledFace } from '../ports/enrolment.ts';
import type { ImageCodec } from '../ports/image-decoder.ts';
import type { FaceRecord } from '../ports/images.ts';
import type { Person } from '../ports/people.ts';
import { keepEnrolledThumbnail, storedFaceThumbnail } from './face-thumbnails.ts';
import {
  assignFace,
  createPerson,
  deletePerson,
  type EnrollResult,
  enrollFromFace,
  enrollFromPhoto,
  type PeopleDeps,
  type PersonDeletion,
} from './people.ts';

export type PeopleServiceDeps = PeopleDeps & { codec: ImageCodec };

/** The use cases of /api/people and /api/faces/:id/assign: people created and forgotten, faces enrolled and named. */
export interface PeopleService {
  create(name: unknown, actor: Principal): Promise<Person>;
  delete(
    id: string,
    options: { purgePhotos: boolean },
    actor: Principal,
    requestId: string,
  ): Promise<PersonDeletion>;
  /**
   * Enrols the main face of an uploaded photo, read by `read` once the person is known to exist (an
   * upload for nobody is refused before its bytes are read). The photo is not stored: a thumbnail of the
   * face is kept for the person's page, on a best-effort basis.
   */
  enrollUpload(
    personId: string,
    read: () => Promise<Uint8Array>,
    actor: Principal,
    requestId: string,
  ): Promise<EnrollResult>;
  /** Enrols a face of a stored photo. */
  enrollFace(personId: string, faceId: string, actor: Principal, requestId: string): Promise<EnrollResult>;
  /** Names a face by hand. */
  assignFace(faceId: string, personId: string, actor: Principal): Promise<FaceRecord>;
  /** The person's enrolled faces, oldest first; not_found when there is no such person. */
  enrolledFaces(personId: string): Promise<EnrolledFace[]>;
  /**
   * A square JPEG of one enrolled face: the one kept at enrolment from an upload, or cut from the stored
   * photo it was enrolled from (`size` pixels wide); not_found when there is no picture of it.
   */
  enrolledThumbnail(personId: string, enrolledId: string, size: number): Promise<Uint8Array>;
}

export function peopleService(deps: PeopleServiceDeps): PeopleService {
  return {
    create: (name, actor) => createPerson(deps, name, actor),
    delete: (id, options, actor, requestId) => deletePerson(deps, id, options, actor, requestId),
    async enrollUpload(personId, read, actor, requestId) {
      if (!(await deps.stores.people.getPerson(personId)))
        throw new AppError('not_found', `no person with id ${personId}`);
      const bytes = await read();
      const enrolled = await enrollFromPhoto(deps, personId, bytes, actor, requestId);
      // The enrolment stands without the thumbnail.
      await keepEnrolledThumbnail(deps, enrolled.enrolledId, bytes, enrolled.face.box).catch((error) =>
        deps.log.warn({ err: String(error) }, 'no thumbnail kept for an enrolled face'),
      );
      return enrolled;
    },
    enrollFace: (personId, faceId, actor, requestId) =>
      enrollFromFace(deps, personId, faceId, actor, requestId),
    assignFace: (faceId, personId, actor) => assignFace(deps, faceId, personId, actor),
    async enrolledFaces(personId) {
      const person = await deps.stores.people.getPerson(personId);
      if (!person) throw new AppError('not_found', `no person with id ${personId}`);
      return deps.stores.enrolment.listEnrolledFaces(person.id);
    },
    async enrolledThumbnail(personId, enrolledId, size) {
      const face = await deps.stores.enrolment.enrolledThumbnail(personId, enrolledId);
      if (!face) throw new AppError('not_found', 'this person has no such enrolled face');
      if (face.jpeg) return face.jpeg;
      if (!face.source) throw new AppError('not_found', 'no picture of this enrolled face was kept');
      return storedFaceThumbnail(deps, face.source.imageId, face.source.faceId, size);
    },
  };
}
