import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { GalleryCache } from '../app/gallery-cache.ts';
import { ModelGalleries, modelKey } from '../app/model-galleries.ts';
import type { SearchConfig } from '../config/roles.config.ts';
import type { ModelInfo } from '../core/face.ts';
import { Search } from '../gen/faceflow/v1/search_pb.ts';
import { startHealthServer } from '../observability/health-server.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import type { Logger } from '../ports/logger.ts';
import { listenDual } from '../rpc/h2c-server.ts';
import { secretInterceptor } from '../rpc/recognizer.service.ts';
import { searchRoutes } from '../rpc/search.service.ts';
import { storeReadiness } from './wiring/health.ts';
import { openInfrastructure } from './wiring/infrastructure.ts';
import { galleryIndexOptions } from './wiring/matching.ts';

export interface RunningSearch {
  /** `http://host:port` of the gRPC / gRPC-Web / Connect port. */
  url: string;
  metricsUrl: string;
  close(): Promise<void>;
}

/** A model's folder name under the snapshot folder (`name@version`, made safe for a file name). */
const folderOf = (model: ModelInfo) => modelKey(model).replace(/[^A-Za-z0-9._@+-]/g, '_');

/**
 * The models this role held before (their `model.json` under the snapshot folder), so that a restart
 * restores or rebuilds them before it serves instead of on the first call. None without snapshots.
 */
async function rememberedModels(dir: string | null, log: Logger): Promise<ModelInfo[]> {
  if (!dir) return [];
  const folders = await readdir(dir).catch(() => [] as string[]);
  const models: ModelInfo[] = [];
  for (const folder of folders) {
    try {
      models.push(JSON.parse(await readFile(join(dir, folder, 'model.json'), 'utf8')) as ModelInfo);
    } catch {
      log.debug({ folder }, 'no model.json: not a model folder');
    }
  }
  return models;
}

/**
 * `faceflow search`: the gallery index of api and worker processes in one process
 * (`faceflow.v1.Search` + gRPC health over gRPC, gRPC-Web and Connect on SEARCH_PORT; /healthz, /readyz,
 * /metrics on METRICS_PORT). One GalleryCache per embedding model: before each answer it reads the
 * store's gallery version and applies what came and went (removals first), so it never answers with a
 * deleted face; `person` events bring it up to date ahead of the next call. With
 * GALLERY_INDEX_SNAPSHOTS it restores at start from the latest snapshot plus the changes since.
 */
export async function startSearch(config: SearchConfig): Promise<RunningSearch> {
  const logger = createLogger(config.LOG_LEVEL, 'search', logDestination(config.LOG_FORMAT));
  if (!config.SEARCH_SECRET)
    logger.warn(
      {},
      'SEARCH_SECRET is not set: calls are not authenticated (allowed on a loopback address only)',
    );
  // Reads the store only; no broker, whatever QUEUE_URL the other roles use.
  const infra = await openInfrastructure({ ...config, QUEUE_URL: 'embedded:' });
  const { stores, events } = infra;
  const snapshotDir = config.GALLERY_INDEX_SNAPSHOTS
    ? join(config.DATA_DIR, config.GALLERY_INDEX_SNAPSHOTS, 'search')
    : null;
  const galleries = new ModelGalleries((model) => {
    if (snapshotDir) {
      const folder = join(snapshotDir, folderOf(model));
      mkdir(folder, { recursive: true })
        .then(() => writeFile(join(folder, 'model.json'), JSON.stringify(model)))
        .catch((error: unknown) => logger.warn({ err: String(error) }, 'could not remember the model'));
    }
    return new GalleryCache(
      stores.gallery,
      model,
      galleryIndexOptions(config, join('search', folderOf(model))),
      logger,
    );
  });
  const metrics = new Metrics({ images: stores.images });
  const onAnswer = metrics.searchService(() =>
    galleries.all().map((g) => ({ key: modelKey(g.model), size: g.size })),
  );
  let serving = false;
  const refresh = () => {
    for (const gallery of galleries.all())
      gallery
        .current()
        .catch((error: unknown) =>
          logger.warn({ err: String(error) }, 'gallery update after an event failed'),
        );
  };
  const subscription = events.subscribe((event) => {
    if (event.type === 'person' || event.type === 'job') refresh();
  });
  const handler = connectNodeAdapter({
    routes: searchRoutes({
      gallery: (model) => galleries.get(model),
      log: logger,
      isServing: () => serving,
      onAnswer,
    }),
    interceptors: [secretInterceptor(config.SEARCH_SECRET, Search.typeName)],
    // MAX_QUERIES embeddings of a few thousand floats each, with room to spare.
    readMaxBytes: 16 * 1024 * 1024,
  });
  const closeInfra = async () => {
    subscription.unsubscribe();
    events.close();
    await infra.close();
  };
  let rpc: Awaited<ReturnType<typeof listenDual>> | undefined;
  try {
    const started = performance.now();
    for (const model of await rememberedModels(snapshotDir, logger)) {
      const { gallery } = await galleries.get(model).current();
      logger.info({ model: modelKey(model), faces: gallery.size }, 'gallery ready');
    }
    rpc = await listenDual(handler, config.SEARCH_PORT, config.SEARCH_HOST);
    const health = await startHealthServer({
      port: config.METRICS_PORT,
      host: config.METRICS_HOST,
      registry: metrics.registry,
      readiness: storeReadiness(() => serving, stores.gallery),
    });
    serving = true;
    const host = config.SEARCH_HOST === '0.0.0.0' ? '127.0.0.1' : config.SEARCH_HOST;
    const url = `http://${host}:${rpc.port}`;
    logger.info(
      { url, index: config.GALLERY_INDEX, startSeconds: (performance.now() - started) / 1000 },
      'search started',
    );
    return {
      url,
      metricsUrl: health.url,
      async close() {
        serving = false;
        await rpc?.close();
        await health.close();
        // The next start restores from here instead of rebuilding.
        for (const gallery of galleries.all())
          await gallery
            .saveSnapshot()
            .catch((error: unknown) => logger.warn({ err: String(error) }, 'snapshot at stop failed'));
        await closeInfra();
        logger.info({}, 'search stopped');
      },
    };
  } catch (error) {
    await rpc?.close(0);
    await closeInfra();
    throw error;
  }
}
