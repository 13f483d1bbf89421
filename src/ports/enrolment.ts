import type { FaceRecord, FaceWithEmbedding, ModelKey } from './images.ts';

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

/**
 * Naming faces: enrolling an embedding in a person's gallery (from a stored face or an uploaded photo),
 * the enrolled faces a person's page lists, and naming a face by hand.
 */
export interface EnrolmentStore {
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
}
