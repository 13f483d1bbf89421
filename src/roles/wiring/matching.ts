import { join } from 'node:path';
import { ExactFaceIndex } from '../../adapters/face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../../adapters/face-index-usearch/usearch-face-index.ts';
import { GalleryCache, type GalleryIndexOptions } from '../../app/gallery-cache.ts';
import { IndexSnapshots } from '../../app/index-snapshots.ts';
import type { SuggestedPeopleDeps } from '../../app/people-corrections.ts';
import type { WorkerConfig } from '../../config/roles.config.ts';
import type { ModelInfo } from '../../core/face.ts';
import type { MatchPolicy } from '../../core/open-set.ts';
import { defaultMatchPolicy } from '../../engine/open-set-calibration.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { FaceEngine } from '../../ports/face-engine.ts';
import type { GalleryStore } from '../../ports/gallery.ts';
import type { GalleryLookup } from '../../ports/gallery-lookup.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Lifecycle } from './lifecycle.ts';

export type GalleryIndexConfig = Pick<
  WorkerConfig,
  | 'GALLERY_INDEX'
  | 'GALLERY_INDEX_EF'
  | 'GALLERY_INDEX_SNAPSHOTS'
  | 'GALLERY_INDEX_SNAPSHOT_EVERY_MS'
  | 'DATA_DIR'
>;

export type MatchingConfig = GalleryIndexConfig &
  Pick<WorkerConfig, 'MATCH_THRESHOLD' | 'GROUPING_THRESHOLD' | 'GROUPING_MIN_FACES'>;

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

/** Where api and worker look faces up when the `search` role holds the gallery; absent in `all`. */
export type SearchClientConfig = Partial<
  Pick<
    WorkerConfig,
    | 'SEARCH_URL'
    | 'SEARCH_SECRET'
    | 'SEARCH_TIMEOUT_MS'
    | 'SEARCH_BREAKER_FAILURES'
    | 'SEARCH_BREAKER_OPEN_MS'
  >
>;

/**
 * Where api and worker look faces up: the `search` role when SEARCH_URL is set (a local exact scan of the
 * store's gallery answers while it is down, loaded on the first lookup that needs it), otherwise the
 * process's own index as GALLERY_INDEX says.
 */
async function openGalleries(
  config: GalleryIndexConfig & SearchClientConfig,
  parts: { gallery: GalleryStore; model: ModelInfo; role: string; log: Logger; metrics?: Metrics },
): Promise<GalleryLookup & { close(): Promise<void> }> {
  const { gallery, model, role, log, metrics } = parts;
  if (!config.SEARCH_URL) {
    const cache = new GalleryCache(gallery, model, galleryIndexOptions(config, role), log);
    return Object.assign(cache, { close: async () => {} });
  }
  const { ConnectGalleryLookup } = await import('../../adapters/search-client/gallery-lookup.connect.ts');
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

/** How a face finds its person: the enrolled gallery (indexed, here or in the search role) and the 1:N decision. */
export interface Matching {
  galleries: GalleryLookup;
  match: MatchPolicy;
}

/**
 * The gallery of `role`'s processes (its index snapshots are that role's, or the search role's index) and
 * the configured threshold; the gallery is closed with `lifecycle`.
 */
export async function openMatching(
  lifecycle: Lifecycle,
  parts: {
    config: MatchingConfig & SearchClientConfig;
    gallery: GalleryStore;
    engine: FaceEngine;
    role: 'api' | 'worker';
    log: Logger;
    metrics: Metrics;
  },
): Promise<Matching> {
  const { config, engine } = parts;
  const galleries = await openGalleries(config, { ...parts, model: engine.model });
  lifecycle.defer('gallery', () => galleries.close());
  return { galleries, match: defaultMatchPolicy(engine.model, config.MATCH_THRESHOLD) };
}

/**
 * Grouping of unknown faces on the infra's database, with the configured threshold and minimum, and the
 * People page's summaries and corrections.
 */
export function groupingDeps(
  infra: Pick<Infrastructure, 'faceGroups' | 'events' | 'clock'>,
  config: Pick<MatchingConfig, 'GROUPING_THRESHOLD' | 'GROUPING_MIN_FACES'>,
  log: Logger,
): SuggestedPeopleDeps {
  return {
    groups: infra.faceGroups.groups,
    index: infra.faceGroups.groups,
    summaries: infra.faceGroups.summaries,
    corrections: infra.faceGroups.corrections,
    events: infra.events,
    clock: infra.clock,
    log,
    policy: { threshold: config.GROUPING_THRESHOLD, minFaces: config.GROUPING_MIN_FACES },
  };
}
