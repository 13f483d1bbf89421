import type { ModelKey } from './images.ts';

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

/** The enrolled embeddings identification matches against, and re-matching of stored faces after a change. */
export interface GalleryStore {
  loadGallery(model: ModelKey): Promise<GallerySnapshot>;
  galleryVersion(): Promise<number>;
  /** Faces waiting for re-matching (never manual ones). */
  rematchCandidates(limit: number): Promise<RematchCandidate[]>;
  /** Writes new matches; skips faces assigned by hand since. Returns the ids of the affected images. */
  applyRematch(results: RematchResult[], now: number): Promise<string[]>;
}
