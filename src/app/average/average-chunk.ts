import { type ChunkPartial, reducePartials, type SkippedEntry, type SkipReason } from '../../core/average.ts';
import { AppError, toErrorInfo } from '../../core/errors.ts';
import { EmbeddingSum } from '../../core/exact-sum.ts';
import { selectFaces } from '../../core/face-selection.ts';
import { sniffMediaType } from '../../core/media-type.ts';
import { mapOrdered } from '../../core/ordered-map.ts';
import type { AverageJobRecord, AverageJobStore, ChunkEntry } from '../../ports/average-job-store.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventBus } from '../../ports/event-bus.ts';
import type { FaceEngine } from '../../ports/face-engine.ts';
import type { JobQueue } from '../../ports/job-queue.ts';
import type { Logger } from '../../ports/logger.ts';

export interface AverageChunkDeps {
  averages: AverageJobStore;
  blobs: BlobStore;
  engine: FaceEngine;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /** Where the next chunks go once this one is done (see `queueNextChunks`); absent: the coordinator does it. */
  queue?: JobQueue;
}

/** Photo jobs use priority 1; chunks come after them where the queue has priorities (embedded). */
export const AVERAGE_CHUNK_PRIORITY = 5;
/**
 * Chunks of one job queued at once by default. Brokers have no priorities, so a live upload waits behind
 * at most this many chunks; a bigger window keeps more workers busy (`window` option).
 */
export const DEFAULT_WINDOW = 8;

/** Tops the job's queued chunks up to its window and publishes the ones added. */
export async function queueNextChunks(
  deps: { averages: AverageJobStore; queue: JobQueue; clock: Clock },
  job: Pick<AverageJobRecord, 'id' | 'options'>,
): Promise<number[]> {
  const indices = await deps.averages.queueChunks(
    job.id,
    job.options.window ?? DEFAULT_WINDOW,
    deps.clock.now(),
  );
  if (indices.length > 0)
    await deps.queue.publish(
      indices.map((chunk) => ({
        payload: { kind: 'average_chunk' as const, jobId: job.id, chunk },
        dedupeKey: `average:${job.id}:${chunk}`,
        priority: AVERAGE_CHUNK_PRIORITY,
      })),
    );
  return indices;
}

/** Photos of one chunk in the engine at once (the sums are exact, so their order does not matter). */
const PHOTOS_IN_FLIGHT = 2;

type PhotoOutcome = { embeddings: Float32Array[] } | { skip: SkippedEntry };

/** Which skip reason an engine or blob error of one photo is; transient errors are rethrown (the chunk is retried). */
function skipReasonOf(error: unknown, bytes: Uint8Array | null): { reason: SkipReason; message: string } {
  const info = toErrorInfo(error);
  if (info.code === 'image_too_large') return { reason: 'too_large', message: info.message };
  if (info.code === 'invalid_image')
    return bytes && sniffMediaType(bytes) === 'application/octet-stream'
      ? { reason: 'not_an_image', message: info.message }
      : { reason: 'unreadable', message: info.message };
  if (info.code === 'not_found') return { reason: 'unreadable', message: info.message };
  if (info.retryable) throw error;
  return { reason: 'unreadable', message: info.message };
}

async function analysePhoto(
  deps: AverageChunkDeps,
  job: AverageJobRecord,
  entry: ChunkEntry,
): Promise<PhotoOutcome> {
  if ('skip' in entry) return { skip: { entry: entry.entry, reason: entry.skip, message: entry.message } };
  let bytes: Uint8Array | null = null;
  try {
    bytes = await deps.blobs.get(entry.sha256);
    const analysis = await deps.engine.analyze(bytes, { priority: 'batch' });
    const scored = analysis.faces.filter((f) => f.score >= job.options.minScore);
    const chosen = selectFaces(scored, job.options.face, analysis.width, analysis.height);
    if (chosen.length === 0)
      return {
        skip: {
          entry: entry.entry,
          reason: 'no_face',
          message:
            analysis.faces.length === 0
              ? 'no face found'
              : `no face with a detection score of at least ${job.options.minScore}`,
        },
      };
    return { embeddings: chosen.map((f) => f.embedding) };
  } catch (error) {
    return { skip: { entry: entry.entry, ...skipReasonOf(error, bytes) } };
  }
}

/** Analyses every photo of a chunk and returns its partial: exact sums of the chosen faces, skips with reasons. */
export async function computeChunkPartial(
  deps: AverageChunkDeps,
  job: AverageJobRecord,
  entries: ChunkEntry[],
): Promise<ChunkPartial> {
  const model = deps.engine.model;
  const sum = new EmbeddingSum(model.dimensions);
  const partial: ChunkPartial = {
    sum: null,
    photos: entries.length,
    photosUsed: 0,
    faces: 0,
    skipped: [],
    model: { name: model.name, version: model.version, dimensions: model.dimensions },
  };
  await mapOrdered(
    entries,
    PHOTOS_IN_FLIGHT,
    (entry) => analysePhoto(deps, job, entry),
    (outcome) => {
      if ('skip' in outcome) {
        partial.skipped.push(outcome.skip);
        return;
      }
      partial.photosUsed++;
      for (const embedding of outcome.embeddings) {
        sum.add(embedding);
        partial.faces++;
      }
    },
  );
  if (sum.count > 0) partial.sum = sum.toJSON();
  return partial;
}

export function publishJobEvent(deps: Pick<AverageChunkDeps, 'events'>, job: AverageJobRecord): void {
  const state = job.state === 'preparing' ? 'running' : job.state;
  deps.events.publish({
    type: 'job',
    data: {
      id: job.id,
      kind: 'average',
      state,
      done: job.photosDone,
      ...(job.totalChunks === null ? {} : { total: job.totalEntries }),
    },
  });
}

/**
 * Reduces the partials once every chunk is done and stores the result (`running` → `done`), or fails the
 * job with `no_face` when no photo had a usable face. Safe to call from any process at any time: only the
 * first caller to find the job complete writes, and the result depends only on the stored partials.
 */
export async function finishIfComplete(
  deps: Pick<AverageChunkDeps, 'averages' | 'events' | 'clock' | 'log'>,
  jobId: string,
): Promise<AverageJobRecord | null> {
  const job = await deps.averages.getJob(jobId);
  if (job?.state !== 'running' || job.totalChunks === null || job.chunksDone < job.totalChunks) return job;
  const reduced = reducePartials(await deps.averages.partials(jobId));
  const now = deps.clock.now();
  if (!reduced) {
    await deps.averages.endJob(
      jobId,
      'failed',
      {
        code: 'no_face',
        message: `no photo of the data set had a usable face (${job.totalEntries} entries read)`,
      },
      now,
    );
  } else {
    const durationMs = Math.max(1, now - job.createdAt);
    await deps.averages.finishJob(
      jobId,
      {
        ...reduced,
        stats: { durationMs, photosPerSecond: reduced.counts.photos / (durationMs / 1000) },
      },
      now,
    );
  }
  const final = await deps.averages.getJob(jobId);
  if (final) {
    publishJobEvent(deps, final);
    deps.log.info(
      { jobId, state: final.state, photos: final.photosDone, chunks: final.totalChunks },
      'average job finished',
    );
  }
  return final;
}

/**
 * Worker side of an average job: computes one chunk's partial and stores it once, then finishes the job
 * or tops its window of chunks up. A redelivered chunk (done already) is not counted again, but still
 * does those last steps, which its first run may not have reached; a chunk of a cancelled job is dropped.
 */
export async function processAverageChunk(
  deps: AverageChunkDeps,
  jobId: string,
  index: number,
): Promise<void> {
  const log = deps.log.child({ averageJob: jobId, chunk: index });
  const job = await deps.averages.getJob(jobId);
  if (!job || job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') {
    log.debug({ state: job?.state ?? 'missing' }, 'chunk dropped: its job is over');
    return;
  }
  const chunk = await deps.averages.getChunk(jobId, index);
  if (!chunk) throw new AppError('not_found', `average job ${jobId} has no chunk ${index}`);
  if (chunk.state === 'done') {
    // Its first run may have died after storing it and before finishing the job or queueing more.
    log.debug({}, 'chunk redelivered after it was done; not counted again');
  } else {
    const partial = await computeChunkPartial(deps, job, chunk.entries);
    const stored = await deps.averages.completeChunk(jobId, index, partial, deps.clock.now());
    if (!stored) log.debug({}, 'chunk finished by another worker first; not counted again');
  }
  const finished = await finishIfComplete(deps, jobId);
  if (finished?.state === 'running') {
    publishJobEvent(deps, finished);
    if (deps.queue) await queueNextChunks({ ...deps, queue: deps.queue }, finished);
  } else if (finished?.state === 'preparing' && deps.queue) {
    await queueNextChunks({ ...deps, queue: deps.queue }, finished);
  }
}
