import { decideIdentity, type MatchPolicy, policyOf } from '../core/open-set.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { RematchResult } from '../ports/gallery.ts';
import type { GalleryLookup } from '../ports/gallery-lookup.ts';
import type { Logger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { publishImageEvent } from './image-events.ts';

export interface ReidentifyDeps {
  stores: Pick<PhotoStores, 'gallery' | 'images'>;
  galleries: GalleryLookup;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /** How a face is named (see ProcessImageDeps.match); `threshold` is the older fixed-threshold setting. */
  match?: MatchPolicy;
  threshold?: number;
  batchSize?: number;
}

/**
 * Re-matches every face flagged by an enroll or a delete against the current gallery with the same
 * decision as the worker (the 1:N calibration or a fixed threshold): the nearest person when accepted,
 * otherwise the face is unknown. Faces named by hand are never touched.
 */
export async function reidentify(deps: ReidentifyDeps, jobId: string): Promise<number> {
  const batchSize = deps.batchSize ?? 500;
  let done = 0;
  deps.events.publish({ type: 'job', data: { id: jobId, kind: 'reidentify', state: 'running', done } });
  for (;;) {
    const candidates = await deps.stores.gallery.rematchCandidates(batchSize);
    if (candidates.length === 0) break;
    const model = deps.galleries.model;
    const policy = policyOf(deps, model.threshold);
    // Faces of another model stay unknown; the others are looked up together, against one gallery.
    const comparable = candidates.filter(
      (c) => c.modelName === model.name && c.modelVersion === model.version,
    );
    const answer = await deps.galleries.nearest(
      comparable.map((c) => c.embedding),
      2,
    );
    const found = new Map(comparable.map((c, i) => [c.faceId, answer.nearest[i] ?? []]));
    const results: RematchResult[] = candidates.map((c) => {
      const nearest = found.get(c.faceId);
      if (nearest === undefined) return { faceId: c.faceId, personId: null, distance: null };
      const { match } = decideIdentity(nearest, answer.peopleCount, policy);
      return { faceId: c.faceId, personId: match?.personId ?? null, distance: match?.distance ?? null };
    });
    const changed = await deps.stores.gallery.applyRematch(results, deps.clock.now());
    for (const imageId of changed) await publishImageEvent(deps.stores.images, deps.events, imageId);
    done += candidates.length;
    deps.events.publish({ type: 'job', data: { id: jobId, kind: 'reidentify', state: 'running', done } });
  }
  deps.events.publish({ type: 'job', data: { id: jobId, kind: 'reidentify', state: 'done', done } });
  deps.log.info({ jobId, faces: done }, 're-identification done');
  return done;
}
