import { z } from 'zod';
import type { JobPayload } from '../../ports/job-queue.ts';

const payloadSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('process_image'),
    imageId: z.string().min(1).max(200),
    requestId: z.string().max(200).optional(),
  }),
  z.object({
    kind: z.literal('reidentify'),
    reason: z.enum(['enroll', 'delete', 'assign']),
    personId: z.string().max(200),
    requestId: z.string().max(200).optional(),
  }),
  z.object({
    kind: z.literal('average_chunk'),
    jobId: z.string().min(1).max(200),
    chunk: z.number().int().min(0),
  }),
]);

/** The wire form of a job on every queue (a table row, an AMQP body, a NATS message). */
export function encodeJobPayload(payload: JobPayload): Buffer {
  return Buffer.from(JSON.stringify(payload));
}

/** A job payload, or null for anything else (garbage bytes, an unknown kind): poison, to dead-letter. */
export function decodeJobPayload(bytes: Uint8Array | string): JobPayload | null {
  try {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
    const parsed = payloadSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as JobPayload) : null;
  } catch {
    return null;
  }
}
