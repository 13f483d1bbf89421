import type { ReceivedJob } from '../ports/job-queue.ts';
import { type AverageChunkJobDeps, handleAverageChunkJob } from './average/average-job-handler.ts';
import { type GroupingDeps, groupPhotoFaces } from './grouping.ts';
import { type ProcessImageDeps, processImage } from './process-image.ts';
import { type ReidentifyDeps, reidentify } from './reidentify.ts';
import type { JobDisposition, JobHandler } from './worker.ts';

/** Routes queue jobs to their use case and turns the outcome into ack / retry of the message. */
export function createPipelineJobHandler(
  deps: ProcessImageDeps & ReidentifyDeps & AverageChunkJobDeps & { grouping?: GroupingDeps },
): JobHandler {
  return {
    async handle(job: ReceivedJob, consumer: string): Promise<JobDisposition> {
      const payload = job.payload;
      switch (payload.kind) {
        case 'process_image': {
          const outcome = await processImage(deps, payload.imageId, consumer, payload.requestId);
          if (outcome.kind === 'processed' && deps.grouping) {
            // The photo is done either way: a failed grouping only waits for the next re-grouping.
            await groupPhotoFaces(deps.grouping, payload.imageId).catch((error: unknown) =>
              deps.log.warn({ imageId: payload.imageId, err: String(error) }, 'grouping of new faces failed'),
            );
          }
          if (outcome.kind === 'retry') return { kind: 'retry', delayMs: outcome.delayMs };
          if (outcome.kind === 'postponed') return { kind: 'postpone', delayMs: outcome.delayMs };
          if (outcome.kind === 'skipped' && outcome.missing)
            return { kind: 'dead', reason: `unknown image ${payload.imageId}` };
          if (outcome.kind === 'skipped' && outcome.retryInMs !== undefined)
            return { kind: 'retry', delayMs: outcome.retryInMs };
          return { kind: 'ack' };
        }
        case 'reidentify':
          await reidentify(deps, job.id);
          return { kind: 'ack' };
        case 'average_chunk':
          return handleAverageChunkJob(deps, payload);
      }
    },
    async heartbeat(job: ReceivedJob, consumer: string): Promise<void> {
      if (job.payload.kind === 'process_image')
        await deps.stores.leases.extendLease(job.payload.imageId, consumer, deps.leaseMs, deps.clock.now());
    },
    async release(job: ReceivedJob, consumer: string): Promise<void> {
      if (job.payload.kind === 'process_image')
        await deps.stores.leases.releaseImage(job.payload.imageId, consumer, deps.clock.now());
    },
  };
}
