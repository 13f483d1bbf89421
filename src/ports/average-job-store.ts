import type { AverageResult, ChunkPartial, SkipReason } from '../core/average.ts';
import type { ErrorInfo } from '../core/errors.ts';
import type { FaceSelection } from '../core/face-selection.ts';

export type AverageJobState = 'preparing' | 'running' | 'done' | 'failed' | 'cancelled';

export interface AverageJobOptions {
  face: FaceSelection;
  /** Faces with a lower detection score do not count. */
  minScore: number;
  chunkSize: number;
  /** Chunks queued at once (default 8): bounds how long a live photo waits behind the job on a queue without priorities. */
  window?: number;
}

/** Where the data set comes from: a path the coordinator can read (folder, archive, list file). */
export interface AverageSource {
  path: string;
  /** What to call it in the UI (a file name for uploads). */
  label: string;
}

/** An archive entry refused before anything was read from it (zip-slip, links, devices). */
export interface RejectedEntry {
  entry: string;
  reason: 'unsafe_path' | 'not_a_file';
}

export interface AverageStats {
  durationMs: number;
  photosPerSecond: number;
}

export interface AverageJobRecord {
  id: string;
  state: AverageJobState;
  source: AverageSource;
  options: AverageJobOptions;
  /** Known once the data set has been read through (state past `preparing`). */
  totalChunks: number | null;
  totalEntries: number;
  chunksDone: number;
  photosDone: number;
  rejected: RejectedEntry[];
  result: (AverageResult & { stats: AverageStats }) | null;
  error: ErrorInfo | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** One data set entry of a chunk: a stored blob to analyse, or skipped already by the coordinator. */
export type ChunkEntry =
  | { entry: string; sha256: string }
  | { entry: string; skip: SkipReason; message: string };

export interface AverageChunk {
  jobId: string;
  index: number;
  entries: ChunkEntry[];
  state: 'pending' | 'done';
}

/**
 * Average jobs and their chunks. A chunk is completed at most once (a redelivered chunk's second
 * result is ignored), so partials are never counted twice.
 */
export interface AverageJobStore {
  createJob(
    input: { source: AverageSource; options: AverageJobOptions },
    now: number,
  ): Promise<AverageJobRecord>;
  getJob(id: string): Promise<AverageJobRecord | null>;
  listJobs(limit: number): Promise<AverageJobRecord[]>;
  /** Writes a chunk (a no-op when it exists: the coordinator re-reads the data set on resume). */
  addChunk(jobId: string, index: number, entries: ChunkEntry[], now: number): Promise<void>;
  getChunk(jobId: string, index: number): Promise<AverageChunk | null>;
  /** Indices of chunks not done yet, in order. */
  pendingChunks(jobId: string): Promise<number[]>;
  /**
   * Marks the next pending, not yet queued chunks (in order) as queued, so that at most `window` chunks of
   * the job are queued at once, and returns their indices for the caller to publish.
   */
  queueChunks(jobId: string, window: number, now: number): Promise<number[]>;
  /** Forgets which pending chunks were queued (on resume, when their messages may be lost). */
  resetQueued(jobId: string): Promise<void>;
  /** `preparing` → `running` with the final chunk count and the entries refused on the way. */
  finishPreparing(
    jobId: string,
    totals: { chunks: number; entries: number; rejected: RejectedEntry[] },
    now: number,
  ): Promise<boolean>;
  /** Stores the chunk's partial once; false when it was done already (a redelivery) or the job is over. */
  completeChunk(jobId: string, index: number, partial: ChunkPartial, now: number): Promise<boolean>;
  partials(jobId: string): Promise<{ index: number; partial: ChunkPartial }[]>;
  /** `running` → `done` with the result; false when another process finished it first. */
  finishJob(jobId: string, result: AverageResult & { stats: AverageStats }, now: number): Promise<boolean>;
  /**
   * Deletes a finished job (done, failed, cancelled) with its chunks, and returns the blobs its chunks
   * listed that nothing else still lists (no photo row, no other job's chunk): the caller deletes those
   * once this returns. Null when there is no such finished job.
   */
  deleteFinishedJob(jobId: string): Promise<{ job: AverageJobRecord; freeBlobs: string[] } | null>;
  /** Ids of finished jobs that ended before `finishedBefore`, oldest first (retention). */
  finishedJobsBefore(finishedBefore: number, limit: number): Promise<string[]>;
  /** Ends a job that is not finished yet as `failed` or `cancelled`. */
  endJob(
    jobId: string,
    state: 'failed' | 'cancelled',
    error: ErrorInfo | null,
    now: number,
  ): Promise<boolean>;
}
