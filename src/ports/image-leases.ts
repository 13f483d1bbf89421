import type { ErrorInfo } from '../core/errors.ts';
import type { Box, FaceQuality, Point } from '../core/face.ts';
import type { ImageRecord, ModelKey } from './images.ts';

export interface NewFace {
  box: Box;
  landmarks: Point[];
  score: number;
  quality: FaceQuality | null;
  embedding: Float32Array;
  personId: string | null;
  distance: number | null;
}

export interface ClaimedImage {
  image: ImageRecord;
  /** The attempt number this claim started (1-based). */
  attempt: number;
}

/**
 * A worker's hold on the photo it processes: one lease at a time, taken, kept alive, and ended by storing
 * the faces, recording the failure or giving the photo back.
 */
export interface ImageLeases {
  /**
   * Leases a photo to `owner` when it is pending and due, or processing with an expired lease:
   * status `processing`, attempts + 1. Null when another worker holds it or it is already done.
   */
  claimImage(id: string, owner: string, leaseMs: number, now: number): Promise<ClaimedImage | null>;
  /**
   * Replaces the photo's faces and marks it processed, only while `owner` holds the lease. When the gallery
   * changed since `galleryVersion` (the one the faces were matched against), the faces are queued for re-matching.
   */
  completeImage(
    id: string,
    owner: string,
    faces: NewFace[],
    model: ModelKey,
    now: number,
    galleryVersion?: number,
  ): Promise<boolean>;
  /** Failure of the attempt in hand: back to pending at `retryAt`, or `failed` for good when retryAt is null. */
  failImage(
    id: string,
    owner: string,
    error: ErrorInfo,
    retryAt: number | null,
    now: number,
  ): Promise<boolean>;
  /** Gives a photo back untouched (graceful shutdown): pending again, the attempt not counted. */
  releaseImage(id: string, owner: string, now: number): Promise<boolean>;
  /** Extends the lease while processing; false when `owner` no longer holds it. */
  extendLease(id: string, owner: string, leaseMs: number, now: number): Promise<boolean>;
}
