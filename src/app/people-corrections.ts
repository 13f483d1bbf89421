import { AppError } from '../core/errors.ts';
import { validatePersonName } from '../core/person-name.ts';
import type { Principal } from '../core/principal.ts';
import { auditActorOf } from '../ports/audit-log.ts';
import type {
  PeopleCorrectionStore,
  PeopleSummaries,
  PersonSummary,
  RegroupChange,
} from '../ports/face-groups.ts';
import type { GroupingDeps } from './grouping.ts';
import { publishImageEvent } from './image-events.ts';
import type { PeopleDeps } from './people.ts';

export interface CorrectionDeps {
  people: Pick<PeopleDeps, 'stores' | 'events' | 'clock' | 'audit' | 'afterChange'>;
  grouping: SuggestedPeopleDeps;
}

/** Grouping with the People page's summaries and the corrections store. */
export interface SuggestedPeopleDeps extends GroupingDeps {
  summaries: PeopleSummaries;
  corrections: PeopleCorrectionStore;
}

/** Best faces of a named suggestion that join the gallery, so later photos of them are recognised. */
export const ENROL_ON_NAMING = 10;
/** Most faces one correction may move or reject. */
export const MAX_FACES_PER_CORRECTION = 1000;

/** The People page: named people first (by name), then suggestions (largest first). */
export function listPeople(
  deps: CorrectionDeps,
  filter: { suggested?: boolean; includeHidden?: boolean },
): Promise<PersonSummary[]> {
  return deps.grouping.summaries.listPeople({ ...filter, minFaces: deps.grouping.policy.minFaces });
}

export async function requireSummary(deps: CorrectionDeps, id: string): Promise<PersonSummary> {
  const summary = await deps.grouping.summaries.summary(id);
  if (!summary) throw new AppError('not_found', `no person or suggestion with id ${id}`);
  return summary;
}

async function assertNameFree(deps: CorrectionDeps, name: string): Promise<void> {
  const key = name.toLocaleLowerCase();
  const taken = (await deps.people.stores.people.listPeople()).find(
    (p) => p.name.toLocaleLowerCase() === key,
  );
  if (taken)
    throw new AppError(
      'conflict',
      `someone is already called "${taken.name}" (${taken.id}): merge this suggestion into them instead`,
    );
}

async function announce(deps: CorrectionDeps, change: RegroupChange): Promise<void> {
  const { stores, events } = deps.people;
  for (const imageId of change.imageIds) await publishImageEvent(stores.images, events, imageId);
  events.publish({ type: 'groups', data: { reason: 'corrected' } });
}

/**
 * Names a suggested person: it becomes a person, all its faces theirs at once (confirmed, so re-grouping
 * and re-identification leave them be), and its best faces join the gallery.
 */
export async function nameSuggestion(
  deps: CorrectionDeps,
  groupId: string,
  name: unknown,
  actor: Principal,
  requestId: string | null,
): Promise<PersonSummary> {
  const valid = validatePersonName(name);
  await assertNameFree(deps, valid);
  const named = await deps.grouping.corrections.nameGroup(
    groupId,
    valid,
    ENROL_ON_NAMING,
    deps.people.clock.now(),
    requestId,
  );
  if (!named) throw new AppError('not_found', `no suggestion with id ${groupId}`);
  deps.people.afterChange?.();
  deps.people.events.publish({
    type: 'person',
    data: { id: named.person.id, name: named.person.name, deleted: false },
  });
  await announce(deps, named.change);
  await deps.people.audit.record({
    actor: auditActorOf(actor),
    action: 'person.named',
    target: { type: 'person', id: named.person.id },
    details: { name: valid, suggestion: groupId, photos: named.change.imageIds.length },
  });
  return requireSummary(deps, named.person.id);
}

/**
 * Merges `sourceId` into `intoId`: every face, photo and enrolled embedding follows, the source goes. A person
 * merges into a person; a suggestion into a person or another suggestion.
 */
export async function mergePeople(
  deps: CorrectionDeps,
  sourceId: string,
  intoId: unknown,
  actor: Principal,
  requestId: string | null,
): Promise<PersonSummary> {
  if (typeof intoId !== 'string' || intoId.length === 0)
    throw new AppError('invalid_input', 'into must be the id of the person to merge into');
  if (intoId === sourceId) throw new AppError('invalid_input', 'a person cannot be merged into themselves');
  const source = await requireSummary(deps, sourceId);
  const into = await deps.grouping.summaries.summary(intoId);
  if (!into) throw new AppError('invalid_input', `into: no person or suggestion with id ${intoId}`);
  if (!source.suggested && into.suggested)
    throw new AppError('invalid_input', 'a named person can only be merged into another named person');
  const change = await deps.grouping.corrections.merge(sourceId, intoId, deps.people.clock.now(), requestId);
  deps.people.afterChange?.();
  if (!source.suggested)
    deps.people.events.publish({
      type: 'person',
      data: { id: sourceId, name: source.name ?? '', deleted: true },
    });
  await announce(deps, change);
  await deps.people.audit.record({
    actor: auditActorOf(actor),
    action: 'person.merged',
    target: { type: 'person', id: intoId },
    details: { from: sourceId, fromName: source.name, photos: change.imageIds.length },
  });
  return requireSummary(deps, intoId);
}

function validFaceIds(faceIds: unknown): string[] {
  if (
    !Array.isArray(faceIds) ||
    faceIds.length === 0 ||
    faceIds.length > MAX_FACES_PER_CORRECTION ||
    !faceIds.every((f) => typeof f === 'string' && f.length > 0 && f.length <= 100)
  )
    throw new AppError('invalid_input', `faceIds must list 1 to ${MAX_FACES_PER_CORRECTION} face ids`);
  return [...new Set(faceIds as string[])];
}

/** Moves faces of `fromId` to the named person `toId` (by hand: re-grouping never moves them back). */
export async function moveFaces(
  deps: CorrectionDeps,
  fromId: string,
  faceIds: unknown,
  toId: unknown,
  actor: Principal,
): Promise<{ moved: number }> {
  const ids = validFaceIds(faceIds);
  await requireSummary(deps, fromId);
  if (typeof toId !== 'string' || toId.length === 0)
    throw new AppError('invalid_input', 'to must be the id of a person');
  if (toId === fromId) throw new AppError('invalid_input', 'the faces are already theirs');
  const to = await deps.people.stores.people.getPerson(toId);
  if (!to) throw new AppError('invalid_input', `to: no named person with id ${toId}`);
  const owned = new Set((await deps.grouping.summaries.facesOf(fromId)).map((f) => f.faceId));
  const foreign = ids.find((id) => !owned.has(id));
  if (foreign) throw new AppError('invalid_input', `face ${foreign} is not one of ${fromId}'s faces`);
  const change = await deps.grouping.corrections.moveFaces(ids, toId, deps.people.clock.now());
  await announce(deps, change);
  await deps.people.audit.record({
    actor: auditActorOf(actor),
    action: 'face.moved',
    target: { type: 'person', id: toId },
    details: { from: fromId, faces: change.moved },
  });
  return { moved: change.moved };
}

/** "Not this person": the faces leave `fromId` and are never grouped or matched back to them. */
export async function rejectFaces(
  deps: CorrectionDeps,
  fromId: string,
  faceIds: unknown,
  actor: Principal,
): Promise<{ rejected: number }> {
  const ids = validFaceIds(faceIds);
  await requireSummary(deps, fromId);
  const change = await deps.grouping.corrections.rejectFaces(ids, fromId, deps.people.clock.now());
  if (change.rejected < ids.length)
    throw new AppError('invalid_input', `only ${change.rejected} of these faces were ${fromId}'s`);
  await announce(deps, change);
  await deps.people.audit.record({
    actor: auditActorOf(actor),
    action: 'face.rejected',
    target: { type: 'person', id: fromId },
    details: { faces: change.rejected },
  });
  return { rejected: change.rejected };
}

/** Hides a named person from the People page (or shows them again). */
export async function setHidden(deps: CorrectionDeps, id: string, hidden: boolean): Promise<void> {
  const summary = await requireSummary(deps, id);
  if (summary.suggested) throw new AppError('invalid_input', 'only a named person can be hidden');
  await deps.grouping.corrections.setHidden(id, hidden, deps.people.clock.now());
  deps.people.events.publish({ type: 'person', data: { id, name: summary.name ?? '', deleted: false } });
}

/** Chooses the face shown for a person or suggestion. */
export async function setCover(deps: CorrectionDeps, id: string, faceId: string): Promise<void> {
  await requireSummary(deps, id);
  if (!(await deps.grouping.corrections.setCover(id, faceId, deps.people.clock.now())))
    throw new AppError('invalid_input', `face ${faceId} is not one of ${id}'s faces`);
  deps.people.events.publish({ type: 'groups', data: { reason: 'corrected' } });
}
