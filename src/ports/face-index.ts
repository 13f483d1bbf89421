/** One stored face found near a query: its entry id, its person and its Euclidean distance. */
export interface IndexedFace {
  id: string;
  personId: string;
  distance: number;
}

/**
 * Nearest-neighbour search over enrolled face embeddings (unit vectors, Euclidean distance). Derived
 * data: the store is the truth, and an index is rebuilt or restored from it (app/gallery-cache.ts).
 * Adapters: the exact scan (adapters/face-index-exact) and an HNSW graph (adapters/face-index-usearch).
 */
export interface FaceIndex {
  readonly dimensions: number;
  /** Entries held. */
  readonly size: number;
  has(id: string): boolean;
  /** Adds one entry; an id already held, or an embedding of the wrong length, is an `invalid_input` error. */
  add(id: string, personId: string, embedding: Float32Array): void;
  /** Removes one entry; false when it was not held. A removed entry is never returned again. */
  remove(id: string): boolean;
  /** Every entry id held (any order). */
  ids(): Iterable<string>;
  /**
   * Up to `k` entries nearest to `embedding`, nearest first (ties by id), each within `maxDistance`.
   * The exact adapter returns the true nearest; an approximate one may miss some.
   */
  nearest(embedding: Float32Array, k: number, maxDistance?: number): IndexedFace[];
  /** Writes the whole index into the empty folder `dir` (the caller makes it atomic: app/index-snapshots.ts). */
  snapshot(dir: string): Promise<void>;
  /** Replaces the content with the one `snapshot` wrote into `dir`; an unreadable snapshot is an error. */
  restore(dir: string): Promise<void>;
  /** Bytes of memory the entries take (vectors, graph, ids), as well as the adapter can tell. */
  bytes(): number;
}
