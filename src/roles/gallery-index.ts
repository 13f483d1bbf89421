import { join } from 'node:path';
import { ExactFaceIndex } from '../adapters/face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../adapters/face-index-usearch/usearch-face-index.ts';
import { GalleryCache, type GalleryIndexOptions } from '../app/gallery-cache.ts';
import { IndexSnapshots } from '../app/index-snapshots.ts';
import type { ModelInfo } from '../core/face.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { GalleryStore } from '../ports/gallery.ts';
import type { GalleryLookup } from '../ports/gallery-lookup.ts';
import type { Logger } from '../ports/logger.ts';

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

export interface SearchClientConfig {
  SEARCH_URL?: string | undefined;
  SEARCH_SECRET?: string | undefined;
  SEARCH_TIMEOUT_MS: number;
  SEARCH_BREAKER_FAILURES: number;
  SEARCH_BREAKER_OPEN_MS: number;
}

/** The gallery of an api or worker process, and how to let go of it at stop. */
export type OpenGalleries = GalleryLookup & { close(): Promise<void> };

/**
 * Where api and worker look faces up: the `search` role when SEARCH_URL is set (a local exact scan of the
 * store's gallery answers while it is down, loaded on the first lookup that needs it), otherwise the
 * process's own index as GALLERY_INDEX says.
 */
export async function openGalleries(
  config: GalleryIndexConfig & Partial<SearchClientConfig>,
  parts: { gallery: GalleryStore; model: ModelInfo; role: string; log: Logger; metrics?: Metrics },
): Promise<OpenGalleries> {
  const { gallery, model, role, log, metrics } = parts;
  if (!config.SEARCH_URL) {
    const cache = new GalleryCache(gallery, model, galleryIndexOptions(config, role), log);
    return Object.assign(cache, { close: async () => {} });
  }
  const { ConnectGalleryLookup } = await import('../adapters/search-client/gallery-lookup.connect.ts');
  return ConnectGalleryLookup.open({
    url: config.SEARCH_URL,
    secret: config.SEARCH_SECRET,
    model,
    timeoutMs: config.SEARCH_TIMEOUT_MS ?? 5000,
    breakerFailures: config.SEARCH_BREAKER_FAILURES ?? 3,
    breakerOpenMs: config.SEARCH_BREAKER_OPEN_MS ?? 10_000,
    // Exact, no snapshots: the fallback must answer as the exact scan does, from the store alone.
    fallback: () =>
      new GalleryCache(
        gallery,
        model,
        { adapter: 'exact', create: (dims) => new ExactFaceIndex(dims), snapshots: null, snapshotEveryMs: 0 },
        log,
      ),
    log,
    onBreakerChange: metrics?.searchBreaker(),
    onFallback: metrics?.searchFallbacks(),
  });
}
