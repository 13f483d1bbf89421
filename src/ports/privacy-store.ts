/** A photo removed from the store: its bytes (blob `sha256`) are the caller's to delete once committed. */
export interface RemovedPhoto {
  id: string;
  sha256: string;
  /** False when an unfinished dataset-average job still lists these bytes: the blob must stay until it is done. */
  blobFree: boolean;
}

export interface RemovedPhotos {
  photos: RemovedPhoto[];
  /** Faces of those photos (boxes, landmarks and embeddings), deleted with them. */
  faces: number;
  /** Queued work about those photos (outbox rows and embedded-queue jobs), dropped. */
  jobs: number;
}

export interface ForgottenPerson extends RemovedPhotos {
  person: { id: string; name: string };
  /** Enrolled embeddings of the person, deleted. */
  enrolledEmbeddings: number;
  /** Faces that were named as the person and are left unknown (queued for re-identification). */
  facesUnlabelled: number;
}

/**
 * The deleting side of the store, for privacy: forgetting a person and the retention purge. Every call
 * is one transaction; blobs are deleted by the caller after it commits.
 */
export interface PrivacyStore {
  /**
   * Deletes a person and their enrolled embeddings; their faces become unknown and are queued for
   * re-identification. With `purgePhotos`, every photo they appear in (named by hand or matched) is
   * deleted too, with all its faces and queued jobs. Null (nothing changed) when there is no such person.
   */
  forgetPerson(
    personId: string,
    options: { purgePhotos: boolean },
    now: number,
    requestId: string | null,
  ): Promise<ForgottenPerson | null>;
  /**
   * Retention: deletes up to `limit` photos created before `createdBefore` in which no face is identified
   * (no face named or matched; photos without faces and failed photos included). Photos still pending or
   * processing are left alone.
   */
  purgeUnidentifiedPhotos(createdBefore: number, limit: number): Promise<RemovedPhotos>;
  /**
   * Deletes one photo with its faces and queued jobs, whatever its status. A worker still processing it
   * loses its lease with the row: its result is refused, so the photo never comes back. Null when there
   * is no such photo.
   */
  deletePhoto(imageId: string): Promise<RemovedPhotos | null>;
}
