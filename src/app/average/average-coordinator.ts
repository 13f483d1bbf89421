import { AppError, toErrorInfo } from '../../core/errors.ts';
import type { ArchiveReader } from '../../ports/archive-reader.ts';
import type {
  AverageJobOptions,
  AverageJobRecord,
  AverageJobStore,
  AverageSource,
  ChunkEntry,
  RejectedEntry,
} from '../../ports/average-job-store.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventBus } from '../../ports/event-bus.ts';
import type { JobQueue } from '../../ports/job-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import type { ImportRoots } from '../confine-path.ts';
import { finishIfComplete, publishJobEvent, queueNextChunks } from './average-chunk.ts';

export { AVERAGE_CHUNK_PRIORITY, DEFAULT_WINDOW } from './average-chunk.ts';

import { isUrlSource, type OpenedDownload } from '../../ports/dataset-download.ts';
import { readDataset } from './dataset-reader.ts';
import { readUrlDataset, type UrlDatasetDeps } from './url-dataset.ts';

export interface AverageCoordinatorDeps extends UrlDatasetDeps {
  averages: AverageJobStore;
  blobs: BlobStore;
  queue: JobQueue;
  events: EventBus;
  clock: Clock;
  log: Logger;
  /** Entries larger than this are skipped as `too_large`. */
  maxEntryBytes: number;
  /**
   * Where a job's data set and everything it leads to must lie (symlinks resolved): the import
   * roots, plus the folder uploaded archives are saved in. Null only where the data set is named by
   * the local user (the CLI); see `DatasetOptions.roots`.
   */
  datasetRoots: ImportRoots | null;
  /** Reads tar, tar.gz and zip data sets. */
  archives: ArchiveReader;
}

export const DEFAULT_CHUNK_SIZE = 16;
export const MAX_REJECTED_KEPT = 1000;

export function isFinished(job: AverageJobRecord): boolean {
  return job.state === 'done' || job.state === 'failed' || job.state === 'cancelled';
}

export async function createAverageJob(
  deps: AverageCoordinatorDeps,
  source: AverageSource,
  options: AverageJobOptions,
): Promise<AverageJobRecord> {
  if (!Number.isInteger(options.chunkSize) || options.chunkSize < 1 || options.chunkSize > 10_000)
    throw new AppError('invalid_input', 'chunk size must be a whole number from 1 to 10000');
  if (
    options.window !== undefined &&
    (!Number.isInteger(options.window) || options.window < 1 || options.window > 100_000)
  )
    throw new AppError('invalid_input', 'window must be a whole number from 1 to 100000');
  if (!(options.minScore >= 0 && options.minScore <= 1))
    throw new AppError('invalid_input', 'min score must be a number from 0 to 1');
  const job = await deps.averages.createJob({ source, options }, deps.clock.now());
  deps.log.info({ averageJob: job.id, source: source.label }, 'average job created');
  publishJobEvent(deps, job);
  return job;
}

/**
 * Reads the data set through once: each photo goes into the blob store, every `chunkSize` entries
 * become a chunk row and a queue job. Reading is deterministic, so on resume the same chunks come
 * out again (existing ones are kept, only pending ones re-published). Ends in `running` (or `failed`
 * for an empty data set or a corrupt archive).
 */
export async function prepareAverageJob(
  deps: AverageCoordinatorDeps,
  jobId: string,
  /** A URL data set's download, already opened (and checked) by the caller. */
  opened?: OpenedDownload,
): Promise<AverageJobRecord> {
  const job = await deps.averages.getJob(jobId);
  if (!job) throw new AppError('not_found', `no average job ${jobId}`);
  if (job.state !== 'preparing') {
    await opened?.remove();
    return job;
  }
  const log = deps.log.child({ averageJob: jobId });
  // on resume: chunks queued before may have lost their messages; they are queued again as room allows
  await deps.averages.resetQueued(jobId);
  const rejected: RejectedEntry[] = [];
  let rejectedCount = 0;
  let entries = 0;
  let index = 0;
  let chunk: ChunkEntry[] = [];
  let cancelled = false;

  const flush = async () => {
    if (chunk.length === 0) return;
    await deps.averages.addChunk(jobId, index, chunk, deps.clock.now());
    await queueNextChunks(deps, job);
    index++;
    chunk = [];
    const current = await deps.averages.getJob(jobId);
    if (current?.state !== 'preparing') cancelled = true;
    else publishJobEvent(deps, { ...current, totalEntries: entries });
  };

  try {
    const datasetOptions = {
      maxEntryBytes: deps.maxEntryBytes,
      roots: deps.datasetRoots,
      archives: deps.archives,
    };
    const reading = isUrlSource(job.source)
      ? readUrlDataset(deps, job, datasetOptions, opened)
      : readDataset(job.source.path, datasetOptions);
    for await (const item of reading) {
      if (item.kind === 'rejected') {
        rejectedCount++;
        if (rejected.length < MAX_REJECTED_KEPT) rejected.push({ entry: item.entry, reason: item.reason });
        log.warn({ entry: item.entry, reason: item.reason, why: item.message }, 'archive entry rejected');
        continue;
      }
      entries++;
      if (item.kind === 'photo') {
        const { sha256 } = await deps.blobs.put(item.bytes);
        chunk.push({ entry: item.entry, sha256 });
      } else {
        chunk.push({ entry: item.entry, skip: item.reason, message: item.message });
      }
      if (chunk.length >= job.options.chunkSize) {
        await flush();
        if (cancelled) break;
      }
    }
    if (!cancelled) await flush();
  } catch (error) {
    const info = toErrorInfo(error);
    await deps.averages.endJob(jobId, 'failed', { code: info.code, message: info.message }, deps.clock.now());
    log.warn({ code: info.code, err: info.message }, 'average job failed while reading the data set');
    const failed = await deps.averages.getJob(jobId);
    if (failed) publishJobEvent(deps, failed);
    throw error;
  }
  if (cancelled) return (await deps.averages.getJob(jobId)) as AverageJobRecord;
  if (entries === 0) {
    const message =
      rejectedCount > 0
        ? `the data set holds no usable entries (${rejectedCount} rejected: unsafe paths or links)`
        : 'the data set is empty: no files found';
    await deps.averages.endJob(jobId, 'failed', { code: 'no_images', message }, deps.clock.now());
    const failed = await deps.averages.getJob(jobId);
    if (failed) publishJobEvent(deps, failed);
    throw new AppError('no_images', message);
  }
  await deps.averages.finishPreparing(jobId, { chunks: index, entries, rejected }, deps.clock.now());
  log.info({ chunks: index, entries, rejected: rejectedCount }, 'data set read; chunks queued');
  return (await finishIfComplete(deps, jobId)) as AverageJobRecord;
}

/**
 * Picks up a job where it stopped: re-reads the data set if it was still being read, otherwise
 * re-publishes the chunks not done yet (the queue drops duplicates of ones still queued) and finishes
 * the job if every chunk is in.
 */
export async function resumeAverageJob(
  deps: AverageCoordinatorDeps,
  jobId: string,
): Promise<AverageJobRecord> {
  const job = await deps.averages.getJob(jobId);
  if (!job) throw new AppError('not_found', `no average job ${jobId}`);
  if (isFinished(job)) return job;
  if (job.state === 'preparing') return prepareAverageJob(deps, jobId);
  await deps.averages.resetQueued(jobId);
  await queueNextChunks(deps, job);
  return (await finishIfComplete(deps, jobId)) as AverageJobRecord;
}

/** Resumes every unfinished job (a restarted `all` process picks up what it left). Errors are logged. */
export async function resumeUnfinishedAverageJobs(deps: AverageCoordinatorDeps): Promise<void> {
  for (const job of await deps.averages.listJobs(1000)) {
    if (isFinished(job)) continue;
    await resumeAverageJob(deps, job.id).catch((error) =>
      deps.log.warn({ averageJob: job.id, err: String(error) }, 'resuming an average job failed'),
    );
  }
}

export async function cancelAverageJob(
  deps: Pick<AverageCoordinatorDeps, 'averages' | 'events' | 'clock'>,
  jobId: string,
): Promise<AverageJobRecord> {
  const job = await deps.averages.getJob(jobId);
  if (!job) throw new AppError('not_found', `no average job ${jobId}`);
  if (isFinished(job)) return job;
  await deps.averages.endJob(jobId, 'cancelled', null, deps.clock.now());
  const cancelled = (await deps.averages.getJob(jobId)) as AverageJobRecord;
  publishJobEvent(deps, cancelled);
  return cancelled;
}

export interface AverageProgress {
  photosDone: number;
  /** Null while the data set is still being read. */
  photosTotal: number | null;
  chunksDone: number;
  chunksTotal: number | null;
  photosPerSecond: number;
  /** Seconds left at the current rate; null while unknown. */
  etaSeconds: number | null;
}

export function averageProgress(job: AverageJobRecord, now: number): AverageProgress {
  const seconds = Math.max(0.001, ((job.finishedAt ?? now) - job.createdAt) / 1000);
  const rate = job.photosDone / seconds;
  const total = job.totalChunks === null ? null : job.totalEntries;
  return {
    photosDone: job.photosDone,
    photosTotal: total,
    chunksDone: job.chunksDone,
    chunksTotal: job.totalChunks,
    photosPerSecond: rate,
    etaSeconds: total === null || rate <= 0 ? null : Math.max(0, (total - job.photosDone) / rate),
  };
}

/** No progress for this long (and for three times the longest gap between two chunks seen) counts as a stall. */
export const STALL_MIN_MS = 30_000;

/**
 * Polls the store until the job is over, calling `onProgress` on every change. It also keeps the job
 * moving when a process died at the wrong moment: it finishes a job whose chunks are all in (the worker
 * that stored the last one may have died before finishing it), keeps the window of chunks topped up,
 * and when nothing has moved for `STALL_MIN_MS` and three times the longest gap between chunks so far,
 * re-publishes the chunks not done yet (a worker may have died between marking chunks queued and
 * publishing them; the queue drops duplicates of ones still queued, and a chunk done twice counts once).
 */
export async function waitForAverageJob(
  deps: AverageCoordinatorDeps,
  jobId: string,
  onProgress: (job: AverageJobRecord) => void = () => {},
  pollMs = 200,
  stallMinMs = STALL_MIN_MS,
): Promise<AverageJobRecord> {
  let lastSeen = -1;
  let lastProgressAt = deps.clock.now();
  let longestGapMs = 0;
  for (;;) {
    let job = await deps.averages.getJob(jobId);
    if (!job) throw new AppError('not_found', `no average job ${jobId}`);
    const now = deps.clock.now();
    if (job.updatedAt !== lastSeen) {
      if (lastSeen !== -1) longestGapMs = Math.max(longestGapMs, now - lastProgressAt);
      lastSeen = job.updatedAt;
      lastProgressAt = now;
      onProgress(job);
    }
    if (job.state === 'running' && job.totalChunks !== null && job.chunksDone >= job.totalChunks)
      job = (await finishIfComplete(deps, jobId)) ?? job;
    if (isFinished(job)) {
      if (job.updatedAt !== lastSeen) onProgress(job);
      return job;
    }
    if (job.state === 'running') {
      if (now - lastProgressAt > Math.max(stallMinMs, 3 * longestGapMs)) {
        deps.log.warn(
          { averageJob: jobId, chunksDone: job.chunksDone, stalledMs: now - lastProgressAt },
          'average job made no progress; publishing its unfinished chunks again',
        );
        await resumeAverageJob(deps, jobId);
        lastProgressAt = now;
      } else {
        await queueNextChunks(deps, job);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
