import type { ErrorInfo } from '../core/errors.ts';
import type { Box, FaceQuality, ModelInfo, Point } from '../core/face.ts';
import type { ImageStatus } from '../core/image-status.ts';
import type { TraceCarrier } from '../core/trace-context.ts';
import type { PersonRef } from './event-bus.ts';

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

export type ModelKey = Pick<ModelInfo, 'name' | 'version'>;

/**
 * Photos as the upload, listing and photo pages see them. The source of truth for photos and their faces;
 * a new photo's `process_image` job is written to the outbox in the same transaction as its row.
 */
export interface ImageCatalog {
  /** Inserts the photo and its `process_image` outbox job, or returns the existing photo with these bytes. */
  createImage(image: NewImage, now: number): Promise<{ image: ImageRecord; duplicate: boolean }>;
  getImage(id: string): Promise<ImageDetail | null>;
  listImages(query: ImageQuery): Promise<{ items: ImageRecord[]; nextCursor: string | null }>;
  /** The newest photos showing the person. */
  imagesOfPerson(personId: string, limit: number): Promise<ImageRecord[]>;
  countByStatus(filter?: ImageFilter): Promise<Record<ImageStatus, number>>;
}
