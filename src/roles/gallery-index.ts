import { join } from 'node:path';
import { ExactFaceIndex } from '../adapters/face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../adapters/face-index-usearch/usearch-face-index.ts';
import type { GalleryIndexOptions } from '../app/gallery-cache.ts';
import { IndexSnapshots } from '../app/index-snapshots.ts';

export interface GalleryIndexConfig {
  GALLERY_INDEX: 'exact' | 'hnsw';
  GALLERY_INDEX_EF: number;
  /** Snapshot folder, relative to DATA_DIR unless absolute; unset = rebuild from the store at start. */
  GALLERY_INDEX_SNAPSHOTS?: string | undefined;
  GALLERY_INDEX_SNAPSHOT_EVERY_MS: number;
  DATA_DIR: string;
}

/** The gallery's index as configured: the exact scan or the HNSW graph, with or without snapshots. */
export function galleryIndexOptions(config: GalleryIndexConfig, role: string): GalleryIndexOptions {
  const hnsw = config.GALLERY_INDEX === 'hnsw';
  return {
    adapter: config.GALLERY_INDEX,
    create: hnsw
      ? (dims) => new UsearchFaceIndex(dims, { expansionSearch: config.GALLERY_INDEX_EF })
      : (dims) => new ExactFaceIndex(dims),
    // One folder per role: processes of one role on one volume share their latest snapshot.
    snapshots: config.GALLERY_INDEX_SNAPSHOTS
      ? new IndexSnapshots(join(config.DATA_DIR, config.GALLERY_INDEX_SNAPSHOTS, role))
      : null,
    snapshotEveryMs: config.GALLERY_INDEX_SNAPSHOT_EVERY_MS,
  };
}
