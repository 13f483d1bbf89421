import { AppError } from '../core/errors.ts';
import { dominantFace } from '../core/face-selection.ts';
import { validatePersonName } from '../core/person-name.ts';
import type { Principal } from '../core/principal.ts';
import { type AuditLog, auditActorOf } from '../ports/audit-log.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { FaceRecord } from '../ports/images.ts';
import type { Logger } from '../ports/logger.ts';
import type { PeopleStore, Person } from '../ports/people.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import type { PrivacyStore } from '../ports/privacy-store.ts';
import { publishImageEvent } from './image-events.ts';
import { deleteBlobs } from './photo-bytes.ts';

export interface PeopleDeps {
  stores: Pick<PhotoStores, 'people' | 'enrolment' | 'images'>;
  engine: FaceEngine;
  events: EventBus;
  clock: Clock;
  privacy: PrivacyStore;
  blobs: BlobStore;
  audit: AuditLog;
  log: Logger;
  /** Called after a change that queued background work (re-identification). */
  afterChange?: () => void;
}

async function requirePerson(store: PeopleStore, id: string): Promise<Person> {
  const person = await store.getPerson(id);
  if (!person) throw new AppError('not_found', `no person with id ${id}`);
  return person;
}

export async function createPerson(deps: PeopleDeps, name: unknown, actor: Principal): Promise<Person> {
  const person = await deps.stores.people.createPerson(validatePersonName(name), deps.clock.now());
  deps.events.publish({ type: 'person', data: { id: person.id, name: person.name, deleted: false } });
  await deps.audit.record({
    actor: auditActorOf(actor),
    action: 'person.created',
    target: { type: 'person', id: person.id },
    details: { name: person.name },
  });
  return person;
}

export async function renamePerson(
  deps: Pick<PeopleDeps, 'stores' | 'events' | 'clock' | 'audit'>,
  id: string,
  name: unknown,
  actor: Principal,
): Promise<Person> {
  const valid = validatePersonName(name);
  const before = await requirePerson(deps.stores.people, id);
  const person = await deps.stores.people.renamePerson(id, valid, deps.clock.now());
  if (!person) throw new AppError('not_found', `no person with id ${id}`);
  deps.events.publish({ type: 'person', data: { id: person.id, name: person.name, deleted: false } });
  await deps.audit.record({
    actor: auditActorOf(actor),
    action: 'person.renamed',
    target: { type: 'person', id },
    details: { from: before.name, to: person.name },
  });
  return person;
}

/** What forgetting a person deleted, in numbers. */
export interface PersonDeletion {
  person: { id: string; name: string };
  purgedPhotos: boolean;
  deleted: {
    enrolledEmbeddings: number;
    facesUnlabelled: number;
    photos: number;
    faces: number;
    jobs: number;
    blobs: number;
  };
}

/**
 * Forgets a person: their enrolled embeddings go and their faces become unknown (the photos are
 * re-identified in the background). With `purgePhotos`, every photo they appear in goes too — rows,
 * faces, queued jobs and the stored bytes. The thumbnails of their enrolled faces live in the enrolled
 * rows and go with them; a stored photo's face thumbnails are cut on request and never stored.
 */
export async function deletePerson(
  deps: PeopleDeps,
  id: string,
  options: { purgePhotos: boolean },
  actor: Principal,
  requestId: string | null,
): Promise<PersonDeletion> {
  const forgotten = await deps.privacy.forgetPerson(id, options, deps.clock.now(), requestId);
  if (!forgotten) throw new AppError('not_found', `no person with id ${id}`);
  const blobs = await deleteBlobs(deps, forgotten);
  deps.events.publish({ type: 'person', data: { id, name: forgotten.person.name, deleted: true } });
  deps.afterChange?.();
  const result: PersonDeletion = {
    person: forgotten.person,
    purgedPhotos: options.purgePhotos,
    deleted: {
      enrolledEmbeddings: forgotten.enrolledEmbeddings,
      facesUnlabelled: forgotten.facesUnlabelled,
      photos: forgotten.photos.length,
      faces: forgotten.faces,
      jobs: forgotten.jobs,
      blobs,
    },
  };
  await deps.audit.record({
    actor: auditActorOf(actor),
    action: options.purgePhotos ? 'person.purged' : 'person.deleted',
    target: { type: 'person', id },
    details: { name: forgotten.person.name, ...result.deleted },
  });
  for (const photo of forgotten.photos)
    await deps.audit.record({
      actor: auditActorOf(actor),
      action: 'photo.deleted',
      target: { type: 'photo', id: photo.id },
      details: { reason: 'person.purged', personId: id },
    });
  return result;
}

export interface EnrollResult {
  person: Person;
  enrolledId: string;
  face: { box: FaceRecord['box']; score: number; imageId: string | null; faceId: string | null };
}

/** Enrolls the one face of an uploaded photo (the photo itself is not stored). */
export async function enrollFromPhoto(
  deps: PeopleDeps,
  personId: string,
  bytes: Uint8Array,
  actor: Principal,
  requestId: string | null,
): Promise<EnrollResult> {
  await requirePerson(deps.stores.people, personId);
  const analysis = await deps.engine.analyze(bytes, { priority: 'interactive' });
  const face = dominantFace(analysis.faces);
  if (!face) {
    throw new AppError(
      'no_face',
      analysis.faces.length === 0
        ? 'an enrollment photo must show a face; none was found in this one'
        : `an enrollment photo must show one main face; this one shows ${analysis.faces.length} faces of similar size (crop it to the person)`,
    );
  }
  const { enrolledId } = await deps.stores.enrolment.enroll(
    personId,
    face.embedding,
    analysis.model,
    null,
    deps.clock.now(),
    requestId,
  );
  deps.afterChange?.();
  await recordEnrollment(deps, actor, personId, enrolledId, null);
  return {
    person: await requirePerson(deps.stores.people, personId),
    enrolledId,
    face: { box: face.box, score: face.score, imageId: null, faceId: null },
  };
}

/** Enrolls a face already found in a stored photo; that face is named by hand. */
export async function enrollFromFace(
  deps: PeopleDeps,
  personId: string,
  faceId: string,
  actor: Principal,
  requestId: string | null,
): Promise<EnrollResult> {
  await requirePerson(deps.stores.people, personId);
  const face = await deps.stores.enrolment.getFace(faceId);
  if (!face) throw new AppError('not_found', `no face with id ${faceId}`);
  const { enrolledId } = await deps.stores.enrolment.enroll(
    personId,
    face.embedding,
    { name: face.modelName, version: face.modelVersion },
    { imageId: face.imageId, faceId },
    deps.clock.now(),
    requestId,
  );
  deps.afterChange?.();
  await recordEnrollment(deps, actor, personId, enrolledId, { imageId: face.imageId, faceId });
  await publishImageEvent(deps.stores.images, deps.events, face.imageId);
  return {
    person: await requirePerson(deps.stores.people, personId),
    enrolledId,
    face: { box: face.box, score: face.score, imageId: face.imageId, faceId },
  };
}

function recordEnrollment(
  deps: PeopleDeps,
  actor: Principal,
  personId: string,
  enrolledId: string,
  source: { imageId: string; faceId: string } | null,
) {
  return deps.audit.record({
    actor: auditActorOf(actor),
    action: 'face.enrolled',
    target: { type: 'person', id: personId },
    details: { enrolledId, from: source ? 'stored_face' : 'upload', ...source },
  });
}

/** Names a face by hand; re-identification leaves it alone from now on. */
export async function assignFace(
  deps: PeopleDeps,
  faceId: string,
  personId: string,
  actor: Principal,
): Promise<FaceRecord> {
  await requirePerson(deps.stores.people, personId);
  const face = await deps.stores.enrolment.assignFace(faceId, personId, deps.clock.now());
  if (!face) throw new AppError('not_found', `no face with id ${faceId}`);
  await deps.audit.record({
    actor: auditActorOf(actor),
    action: 'face.assigned',
    target: { type: 'face', id: faceId },
    details: { personId, imageId: face.imageId },
  });
  await publishImageEvent(deps.stores.images, deps.events, face.imageId);
  return face;
}
