import type { ModelInfo } from '../core/face.ts';
import type { GalleryMatch } from '../core/gallery.ts';

/** The nearest people of a batch of embeddings, all taken against one version of the gallery. */
export interface GalleryAnswer {
  /** The store's gallery version the answers were taken against (see ImageLeases.completeImage). */
  version: number;
  /** Enrolled faces and people in that gallery (people: the N of the calibrated 1:N threshold). */
  size: number;
  peopleCount: number;
  /** One list per embedding, in order: up to `k` people, nearest first, each person once. */
  nearest: GalleryMatch[][];
}

/**
 * Where api and worker look faces up in the enrolled gallery: the process's own index
 * (app/gallery-cache.ts) or the `search` role over the network (adapters/search-client). Either way
 * the answer reflects the store's current gallery and never names a deleted face.
 */
export interface GalleryLookup {
  /** The model whose embeddings the gallery holds. */
  readonly model: ModelInfo;
  /**
   * The `k` nearest people of each embedding. Embeddings of another model, or of the wrong length,
   * are an `invalid_input` error.
   */
  nearest(
    embeddings: readonly Float32Array[],
    k: number,
    model?: Pick<ModelInfo, 'name' | 'version'>,
  ): Promise<GalleryAnswer>;
}
