import { AppError } from '../core/errors.ts';
import { validatePersonName } from '../core/person-name.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { FaceRecord, ImageStore, Person } from '../ports/image-store.ts';
import { publishImageEvent } from './image-events.ts';

export interface PeopleDeps {
  store: ImageStore;
  engine: FaceEngine;
  events: EventBus;
  clock: Clock;
  /** Called after a change that queued background work (re-identification). */
  afterChange?: () => void;
}

async function requirePerson(store: ImageStore, id: string): Promise<Person> {
  const person = await store.getPerson(id);
  if (!person) throw new AppError('not_found', `no person with id ${id}`);
  return person;
}

export async function createPerson(deps: PeopleDeps, name: unknown): Promise<Person> {
  const person = await deps.store.createPerson(validatePersonName(name), deps.clock.now());
  deps.events.publish({ type: 'person', data: { id: person.id, name: person.name, deleted: false } });
  return person;
}

export async function renamePerson(deps: PeopleDeps, id: string, name: unknown): Promise<Person> {
  const valid = validatePersonName(name);
  const person = await deps.store.renamePerson(id, valid, deps.clock.now());
  if (!person) throw new AppError('not_found', `no person with id ${id}`);
  deps.events.publish({ type: 'person', data: { id: person.id, name: person.name, deleted: false } });
  return person;
}

/** Deletes a person and their enrolled embeddings; the photos that matched them are re-identified in the background. */
export async function deletePerson(deps: PeopleDeps, id: string, requestId: string | null): Promise<void> {
  const person = await requirePerson(deps.store, id);
  if (!(await deps.store.deletePerson(id, deps.clock.now(), requestId)))
    throw new AppError('not_found', `no person with id ${id}`);
  deps.events.publish({ type: 'person', data: { id, name: person.name, deleted: true } });
  deps.afterChange?.();
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
  requestId: string | null,
): Promise<EnrollResult> {
  await requirePerson(deps.store, personId);
  const analysis = await deps.engine.analyze(bytes, { priority: 'interactive' });
  if (analysis.faces.length !== 1) {
    throw new AppError(
      'no_face',
      `an enrollment photo must show exactly one face; this one shows ${analysis.faces.length}`,
    );
  }
  const face = analysis.faces[0] as (typeof analysis.faces)[number];
  const { enrolledId } = await deps.store.enroll(
    personId,
    face.embedding,
    analysis.model,
    null,
    deps.clock.now(),
    requestId,
  );
  deps.afterChange?.();
  return {
    person: await requirePerson(deps.store, personId),
    enrolledId,
    face: { box: face.box, score: face.score, imageId: null, faceId: null },
  };
}

/** Enrolls a face already found in a stored photo; that face is named by hand. */
export async function enrollFromFace(
  deps: PeopleDeps,
  personId: string,
  faceId: string,
  requestId: string | null,
): Promise<EnrollResult> {
  await requirePerson(deps.store, personId);
  const face = await deps.store.getFace(faceId);
  if (!face) throw new AppError('not_found', `no face with id ${faceId}`);
  const { enrolledId } = await deps.store.enroll(
    personId,
    face.embedding,
    { name: face.modelName, version: face.modelVersion },
    { imageId: face.imageId, faceId },
    deps.clock.now(),
    requestId,
  );
  deps.afterChange?.();
  await publishImageEvent(deps.store, deps.events, face.imageId);
  return {
    person: await requirePerson(deps.store, personId),
    enrolledId,
    face: { box: face.box, score: face.score, imageId: face.imageId, faceId },
  };
}

/** Names a face by hand; re-identification leaves it alone from now on. */
export async function assignFace(deps: PeopleDeps, faceId: string, personId: string): Promise<FaceRecord> {
  await requirePerson(deps.store, personId);
  const face = await deps.store.assignFace(faceId, personId, deps.clock.now());
  if (!face) throw new AppError('not_found', `no face with id ${faceId}`);
  await publishImageEvent(deps.store, deps.events, face.imageId);
  return face;
}
