/** The life of a photo in the pipeline: pending → processing → processed | failed. */
export const IMAGE_STATUSES = ['pending', 'processing', 'processed', 'failed'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

const TRANSITIONS: Record<ImageStatus, readonly ImageStatus[]> = {
  // claimed by a worker
  pending: ['processing'],
  // done, permanently failed, or back to pending (retry scheduled, lease released on shutdown)
  processing: ['processed', 'failed', 'pending'],
  // re-processing on request goes through pending again
  processed: ['pending'],
  // the redeemer (or a person) may give a failed photo another chance
  failed: ['pending'],
};

export function canTransition(from: ImageStatus, to: ImageStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isImageStatus(value: string): value is ImageStatus {
  return (IMAGE_STATUSES as readonly string[]).includes(value);
}

/** Statuses from which a photo's result will not change without a new request. */
export function isFinal(status: ImageStatus): boolean {
  return status === 'processed' || status === 'failed';
}
