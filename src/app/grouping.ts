import { type GroupingPolicy, groupFaces, placeFace } from '../core/face-grouping.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { FaceGroupIndex, FaceGroupStore } from '../ports/face-groups.ts';
import type { Logger } from '../ports/logger.ts';

export interface GroupingDeps {
  groups: FaceGroupStore;
  index: FaceGroupIndex;
  events: EventBus;
  clock: Clock;
  log: Logger;
  policy: GroupingPolicy;
}

/**
 * Incremental grouping after a photo was processed: each of its faces without a person joins the nearest
 * suggested person within the threshold (or starts one), merging the groups it brings together. Never
 * touches a face with a person, nor puts a face back into a group it was taken out of ("not this person").
 * Returns how many faces were placed.
 */
export async function groupPhotoFaces(deps: GroupingDeps, imageId: string): Promise<number> {
  const faces = await deps.groups.ungroupedFacesOf(imageId);
  let placed = 0;
  for (const face of faces) {
    const rejected = await deps.groups.rejectionsOf(face.faceId);
    // A group within the threshold on average has a face within it; groups that the grown group may come
    // close to lie within twice the threshold of the new face.
    const near = await deps.index.groupsNear(face.embedding, face.model, 2 * deps.policy.threshold, rejected);
    const decision = placeFace({ id: face.faceId, embedding: face.embedding }, near, deps.policy.threshold);
    const absorb = decision.absorb.filter((id) => !rejected.has(id));
    if ((await deps.groups.placeFace(face.faceId, decision.groupId, absorb, deps.clock.now())) !== null)
      placed++;
  }
  if (placed > 0) deps.events.publish({ type: 'groups', data: { reason: 'grouped' } });
  return placed;
}

/** What a batch re-grouping found. */
export interface RegroupResult {
  faces: number;
  /** All groups, singletons included. */
  groups: number;
  /** Groups shown as suggested people (at least the policy's minimum of faces). */
  suggestions: number;
}

/**
 * Batch re-grouping of every face without a person (each model's faces apart): average-linkage clustering,
 * which gives the same groups whatever order the photos arrived in. A face put back into a group it was
 * taken out of ("not this person") is moved out again, on its own.
 */
export async function regroupAll(deps: GroupingDeps): Promise<RegroupResult> {
  const result: RegroupResult = { faces: 0, groups: 0, suggestions: 0 };
  for (const model of await deps.groups.unknownFaceModels()) {
    const { faces, rejections } = await deps.groups.unknownFaces(model);
    const groups = groupFaces(
      faces.map((f) => ({ id: f.faceId, embedding: f.embedding })),
      deps.policy.threshold,
    );
    const now = deps.clock.now();
    const ids = await deps.groups.replaceGroups(model, groups, now);
    let extra = 0;
    for (const [i, group] of groups.entries())
      for (const faceId of group)
        if (rejections.get(faceId)?.has(ids[i] as string)) {
          await deps.groups.placeFace(faceId, null, [], now);
          extra++;
        }
    result.faces += faces.length;
    result.groups += groups.length + extra;
    result.suggestions += groups.filter((g) => g.length >= deps.policy.minFaces).length;
  }
  deps.events.publish({ type: 'groups', data: { reason: 'regrouped' } });
  deps.log.info({ ...result }, 're-grouping done');
  return result;
}
