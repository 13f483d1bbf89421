import type { AverageJobStore } from '../../ports/average-job-store.ts';
import type { JobPayload } from '../../ports/job-queue.ts';
import type { JobDisposition } from '../worker.ts';
import { type AverageChunkDeps, processAverageChunk } from './average-chunk.ts';

export interface AverageChunkJobDeps extends Omit<AverageChunkDeps, 'averages'> {
  /** Absent in a process whose store has no average jobs: such a process leaves chunks to others. */
  averages?: AverageJobStore | null;
}

/** How long a chunk waits when this process cannot run it (another worker may). */
const NOT_HERE_DELAY_MS = 30_000;

/** The queue side of an average chunk: run it, then ack (a redelivered or cancelled chunk is acked untouched). */
export async function handleAverageChunkJob(
  deps: AverageChunkJobDeps,
  payload: Extract<JobPayload, { kind: 'average_chunk' }>,
): Promise<JobDisposition> {
  if (!deps.averages) {
    deps.log.warn(
      { averageJob: payload.jobId },
      'this worker has no average job store; chunk left for others',
    );
    return { kind: 'retry', delayMs: NOT_HERE_DELAY_MS };
  }
  await processAverageChunk({ ...deps, averages: deps.averages }, payload.jobId, payload.chunk);
  return { kind: 'ack' };
}
