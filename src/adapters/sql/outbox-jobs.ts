import { newId } from '../../core/ids.ts';
import { decodeTraceCarrier } from '../../core/trace-context.ts';
import type { OutgoingJob } from '../../ports/job-queue.ts';
import type { Db } from './schema.ts';

/** Priority of jobs: re-identification (small, user-visible) before photo processing. */
export const PRIORITY_REIDENTIFY = 0;
export const PRIORITY_PROCESS = 1;

/** Writes a job to the outbox in the caller's transaction. */
export async function addOutboxJob(trx: Db, job: OutgoingJob, now: number): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({ id: newId('obx', now), job: JSON.stringify(job), created_at: now })
    .execute();
}

/** The job for a photo; it carries the trace of the photo's upload, so every try of it joins that trace. */
export function processImageJob(
  imageId: string,
  requestId: string | null,
  traceContext: string | null = null,
): OutgoingJob {
  const trace = decodeTraceCarrier(traceContext);
  return {
    payload: { kind: 'process_image', imageId, requestId: requestId ?? undefined },
    dedupeKey: `image:${imageId}`,
    priority: PRIORITY_PROCESS,
    ...(trace ? { trace } : {}),
  };
}

/** Re-identification after the gallery changed (`personId` empty: no one person in particular). */
export function reidentifyJob(
  reason: 'enroll' | 'delete' | 'assign',
  personId: string,
  requestId: string | null | undefined,
): OutgoingJob {
  return {
    payload: { kind: 'reidentify', reason, personId, requestId: requestId ?? undefined },
    priority: PRIORITY_REIDENTIFY,
  };
}
