import type { ErrorInfo } from '../core/errors.ts';
import type { Box, FaceQuality, ModelInfo, Point } from '../core/face.ts';
import type { ImageStatus } from '../core/image-status.ts';
import type { TraceCarrier } from '../core/trace-context.ts';
import type { PersonRef } from './event-bus.ts';
import type { OutgoingJob } from './job-queue.ts';

export interface ImageRecord {
  id: string;
  sha256: string;
  /** Original file name of an upload, or the import path. */
  file: string;
  importPath: string | null;
  size: number;
  mediaType: string;
  status: ImageStatus;
  attempts: number;
  lastError: ErrorInfo | null;
  nextAttemptAt: number | null;
  width: number | null;
  height: number | null;
  requestId: string | null;
  createdAt: number;
  updatedAt: number;
  processedAt: number | null;
  /** The trace of the photo's upload (W3C trace id, 32 hex digits) when it was traced. */
  traceId: string | null;
}

/** How a face got its person: matched by the gallery, or named by hand (which re-identification never overrides). */
export type MatchSource = 'auto' | 'manual';

export interface FaceRecord {
  id: string;
  imageId: string;
  index: number;
  box: Box;
  landmarks: Point[];
  score: number;
  quality: FaceQuality | null;
  model: string;
  person: PersonRef | null;
  distance: number | null;
  matchSource: MatchSource;
}

export interface FaceWithEmbedding extends FaceRecord {
  embedding: Float32Array;
  modelName: string;
  modelVersion: string;
}

export interface ImageDetail extends ImageRecord {
  faces: FaceRecord[];
  people: PersonRef[];
}

export interface Person {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  enrolledFaces: number;
}

/** One embedding in a person's gallery, as their page lists it. */
export interface EnrolledFace {
  id: string;
  personId: string;
  /** The stored face it was enrolled from; null when it came from an uploaded photo (or that photo is gone). */
  source: { imageId: string; faceId: string } | null;
  /** Whether a JPEG of the face was kept at enrolment (uploaded photos). */
  hasThumbnail: boolean;
  createdAt: number;
}

export interface NewImage {
  sha256: string;
  size: number;
  mediaType: string;
  file: string;
  importPath: string | null;
  requestId: string | null;
  width: number;
  height: number;
  /** The upload's trace context: stored with the photo and carried by each of its jobs. */
  trace?: TraceCarrier | null;
}

export interface NewFace {
  box: Box;
  landmarks: Point[];
  score: number;
  quality: FaceQuality | null;
  embedding: Float32Array;
  personId: string | null;
  distance: number | null;
}

/** What the Photos list can be narrowed to; the counts by status take the same filter (without the status). */
export interface ImageFilter {
  personId?: string;
  /** Case-insensitive substring of the file name or import path (taken literally: `%` and `_` are no wildcards). */
  search?: string;
}

export interface ImageQuery extends ImageFilter {
  status?: ImageStatus;
  /** Id of the last image of the previous page (keyset pagination, newest first). */
  cursor?: string;
  limit: number;
}

export interface ClaimedImage {
  image: ImageRecord;
  /** The attempt number this claim started (1-based). */
  attempt: number;
}

export interface GallerySnapshot {
  version: number;
  /** `id`: the enrolled face's id (stable: an index is updated by the ids that came and went). */
  entries: { id: string; personId: string; embedding: Float32Array }[];
}

export interface RematchCandidate {
  faceId: string;
  imageId: string;
  embedding: Float32Array;
  modelName: string;
  modelVersion: string;
}

export interface RematchResult {
  faceId: string;
  personId: string | null;
  distance: number | null;
}

export interface OutboxEntry {
  id: string;
  job: OutgoingJob;
}

export type ModelKey = Pick<ModelInfo, 'name' | 'version'>;

/**
 * The source of truth: photos, their faces, people and enrolled embeddings, plus the outbox
 * of jobs written in the same transaction as the change that needs them.
 */
export interface ImageStore {
  /** Inserts the photo and its `process_image` outbox job, or returns the existing photo with these bytes. */
  createImage(image: NewImage, now: number): Promise<{ image: ImageRecord; duplicate: boolean }>;
  getImage(id: string): Promise<ImageDetail | null>;
  listImages(query: ImageQuery): Promise<{ items: ImageRecord[]; nextCursor: string | null }>;

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
  /**
   * Redeemer: photos pending and due for more than `staleMs`, or processing with a lease expired,
   * get a fresh outbox job (and their due time moved to now). Returns their ids.
   */
  requeueStuck(now: number, staleMs: number, limit: number): Promise<string[]>;
  /**
   * Gives photos that failed for good after transient errors (attempts spent, e.g. during an outage) a new
   * round of attempts. Returns their ids.
   */
  requeueFailedRetryable(now: number, limit: number): Promise<string[]>;
  /**
   * A person asked to try one failed photo again: a fresh round of attempts and an outbox job, in one
   * transaction. Only a `failed` photo can be retried.
   */
  retryFailedImage(id: string, now: number): Promise<'queued' | 'not_failed' | 'not_found'>;
  countByStatus(filter?: ImageFilter): Promise<Record<ImageStatus, number>>;

  createPerson(name: string, now: number): Promise<Person>;
  getPerson(id: string): Promise<Person | null>;
  listPeople(): Promise<Person[]>;
  renamePerson(id: string, name: string, now: number): Promise<Person | null>;
  /** Deletes the person and their enrolled embeddings; their faces become unknown and are queued for re-matching. */
  deletePerson(id: string, now: number, requestId: string | null): Promise<boolean>;
  imagesOfPerson(personId: string, limit: number): Promise<ImageRecord[]>;

  getFace(faceId: string): Promise<FaceWithEmbedding | null>;
  /**
   * Adds an enrolled embedding; when it came from a stored face, that face is assigned to the person by hand.
   * Queues re-matching of every automatically matched or unknown face.
   */
  enroll(
    personId: string,
    embedding: Float32Array,
    model: ModelKey,
    source: { imageId: string; faceId: string } | null,
    now: number,
    requestId: string | null,
  ): Promise<{ enrolledId: string; galleryVersion: number }>;
  /** The person's enrolled faces, oldest first. */
  listEnrolledFaces(personId: string): Promise<EnrolledFace[]>;
  /** Keeps a JPEG of an enrolled face (cut from the uploaded photo it came from). */
  setEnrolledThumbnail(enrolledId: string, jpeg: Uint8Array): Promise<void>;
  /** The kept JPEG of one of the person's enrolled faces, with its source; null when the person has no such face. */
  enrolledThumbnail(
    personId: string,
    enrolledId: string,
  ): Promise<{ jpeg: Uint8Array | null; source: EnrolledFace['source'] } | null>;
  /** Names a face by hand. */
  assignFace(faceId: string, personId: string, now: number): Promise<FaceRecord | null>;

  loadGallery(model: ModelKey): Promise<GallerySnapshot>;
  galleryVersion(): Promise<number>;
  /** Faces waiting for re-matching (never manual ones). */
  rematchCandidates(limit: number): Promise<RematchCandidate[]>;
  /** Writes new matches; skips faces assigned by hand since. Returns the ids of the affected images. */
  applyRematch(results: RematchResult[], now: number): Promise<string[]>;

  takeOutbox(limit: number): Promise<OutboxEntry[]>;
  deleteOutbox(ids: string[]): Promise<void>;
  /**
   * Hands up to `limit` outbox jobs to `publish` and deletes them once it resolved; resolves to how many.
   * Rows another relay is publishing at that moment are skipped (PostgreSQL: row locks), so the relays of
   * several processes never publish one job twice; a crash before the delete publishes it again, never
   * zero times.
   */
  relayOutbox(limit: number, publish: (jobs: OutgoingJob[]) => Promise<void>): Promise<number>;
  close(): Promise<void>;
}
