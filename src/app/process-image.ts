import { AppError, toErrorInfo } from '../core/errors.ts';
import { decideIdentity, type MatchPolicy, policyOf } from '../core/open-set.ts';
import { decideAfterFailure, type RetryPolicy } from '../core/retry-policy.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import { EngineUnavailableError, type FaceEngine } from '../ports/face-engine.ts';
import type { GalleryLookup } from '../ports/gallery-lookup.ts';
import type { NewFace } from '../ports/image-leases.ts';
import type { Logger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import type { PipelineObserver } from '../ports/pipeline-observer.ts';
import { noTracer, type Tracer } from '../ports/tracer.ts';
import { publishImageEvent } from './image-events.ts';

export interface ProcessImageDeps {
  stores: Pick<PhotoStores, 'leases' | 'images'>;
  blobs: BlobStore;
  engine: FaceEngine;
  galleries: GalleryLookup;
  events: EventBus;
  clock: Clock;
  log: Logger;
  observer: PipelineObserver;
  retry: RetryPolicy;
  /** How a face is named: the model's 1:N calibration or a fixed threshold (roles: defaultMatchPolicy). */
  match?: MatchPolicy;
  /** Older setting: a fixed threshold (Euclidean distance), used when `match` is absent. */
  threshold?: number;
  leaseMs: number;
  /** Spans for the steps of a photo's trace (absent: none). */
  tracer?: Tracer;
}

export type ProcessOutcome =
  | { kind: 'processed'; faces: number }
  | { kind: 'retry'; delayMs: number }
  /** The engine is unreachable: the photo was released untouched (no attempt spent); look again later. */
  | { kind: 'postponed'; delayMs: number }
  | { kind: 'failed' }
  /** Not claimable now: done already, held by another worker, or not due yet (`retryInMs`). */
  | { kind: 'skipped'; retryInMs?: number; missing?: boolean }
  /** The lease was lost before the result was written (another worker took over): nothing written. */
  | { kind: 'lost' };

/**
 * Processes one photo: claim (lease) → engine → gallery match → idempotent write of every face.
 * Transient failures are rescheduled with exponential backoff; permanent ones mark the photo failed; an
 * unreachable engine (`EngineUnavailableError`) releases the photo without spending an attempt.
 */
export async function processImage(
  deps: ProcessImageDeps,
  imageId: string,
  owner: string,
  requestId?: string,
): Promise<ProcessOutcome> {
  const log = deps.log.child({ imageId, reqId: requestId });
  const started = deps.clock.now();
  const claim = await deps.stores.leases.claimImage(imageId, owner, deps.leaseMs, started);
  if (!claim) {
    const current = await deps.stores.images.getImage(imageId);
    if (current?.status === 'pending' && current.nextAttemptAt !== null && current.nextAttemptAt > started)
      return { kind: 'skipped', retryInMs: current.nextAttemptAt - started };
    if (!current) return { kind: 'skipped', missing: true };
    if (current.status === 'processing') {
      // Another worker holds it. Look again once its lease can have run out: if that worker died
      // (kill -9) a broker may already have handed its message here, and this one is the last there is.
      log.debug({}, 'job deferred: another worker holds the photo');
      return { kind: 'skipped', retryInMs: deps.leaseMs };
    }
    log.debug({ status: current.status }, 'job skipped: photo not claimable');
    return { kind: 'skipped' };
  }
  const { image, attempt } = claim;
  deps.events.publish({ type: 'image', data: { id: imageId, status: 'processing', faces: 0, people: [] } });
  try {
    if (attempt > deps.retry.maxAttempts) {
      throw new AppError(
        'engine_failure',
        `gave up after ${deps.retry.maxAttempts} attempts (a worker stopped while processing this photo)`,
      );
    }
    const bytes = await deps.blobs.get(image.sha256);
    const analysis = await deps.engine.analyze(bytes, { priority: 'batch' });
    const policy = policyOf(deps, deps.galleries.model.threshold);
    const { version, peopleCount, nearest } = await deps.galleries.nearest(
      analysis.faces.map((face) => face.embedding),
      2,
      analysis.model,
    );
    const faces: NewFace[] = analysis.faces.map((face, i) => {
      const match = decideIdentity(nearest[i] ?? [], peopleCount, policy).match;
      return {
        box: face.box,
        landmarks: face.landmarks,
        score: face.score,
        quality: face.quality,
        embedding: face.embedding,
        personId: match?.personId ?? null,
        distance: match?.distance ?? null,
      };
    });
    const written = await (deps.tracer ?? noTracer).inSpan(
      'photo faces store',
      { attributes: { 'faceflow.faces': faces.length } },
      () =>
        deps.stores.leases.completeImage(imageId, owner, faces, analysis.model, deps.clock.now(), version),
    );
    if (!written) {
      if (!(await deps.stores.images.getImage(imageId)))
        log.info({ attempt }, 'photo deleted while processing');
      else
        log.warn({ attempt }, 'lease lost before the result was written; another worker owns this photo now');
      return { kind: 'lost' };
    }
    const seconds = (deps.clock.now() - started) / 1000;
    deps.observer.imageProcessed(seconds);
    log.info({ attempt, faces: faces.length, ms: Math.round(seconds * 1000) }, 'photo processed');
    await publishImageEvent(deps.stores.images, deps.events, imageId);
    return { kind: 'processed', faces: faces.length };
  } catch (error) {
    if (error instanceof EngineUnavailableError) {
      // Not this photo's fault (the recogniser is down): give it back untouched, come back later.
      const released = await deps.stores.leases.releaseImage(imageId, owner, deps.clock.now());
      if (!released) return { kind: 'lost' };
      deps.observer.imagePostponed();
      log.warn(
        { attempt, err: error.message, delayMs: error.retryAfterMs },
        'engine unavailable, photo returned to the queue',
      );
      deps.events.publish({ type: 'image', data: { id: imageId, status: 'pending', faces: 0, people: [] } });
      return { kind: 'postponed', delayMs: error.retryAfterMs };
    }
    const info = toErrorInfo(error);
    const decision = decideAfterFailure(info, attempt, deps.retry);
    const now = deps.clock.now();
    const retryAt = decision.kind === 'retry' ? now + decision.delayMs : null;
    const recorded = await deps.stores.leases.failImage(
      imageId,
      owner,
      { code: info.code, message: info.message, retryable: info.retryable },
      retryAt,
      now,
    );
    if (!recorded) return { kind: 'lost' };
    if (decision.kind === 'retry') {
      deps.observer.imageRetried(info.code);
      log.warn(
        { attempt, code: info.code, err: info.message, detail: info.detail, delayMs: decision.delayMs },
        'photo failed, will retry',
      );
      deps.events.publish({ type: 'image', data: { id: imageId, status: 'pending', faces: 0, people: [] } });
      return { kind: 'retry', delayMs: decision.delayMs };
    }
    deps.observer.imageFailed(info.code);
    log.warn(
      { attempt, code: info.code, err: info.message, detail: info.detail, reason: decision.reason },
      'photo failed',
    );
    deps.events.publish({ type: 'image', data: { id: imageId, status: 'failed', faces: 0, people: [] } });
    return { kind: 'failed' };
  }
}
