import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { TarZipArchiveReader } from '../adapters/archives-tar-zip/archive-reader.tar-zip.ts';
import { openDatasetDownloader } from '../adapters/dataset-url/index.ts';
import { SharpImageCodec } from '../adapters/images-sharp/image-codec.sharp.ts';
import { openRateLimitRedis } from '../adapters/redis/rate-limit-redis.ts';
import { DownloadBoard } from '../app/average/download-board.ts';
import { type ImportRoots, resolveImportRoots } from '../app/import-path.ts';
import { OutboxRelay } from '../app/outbox-relay.ts';
import type { DatasetUrlConfig } from '../config/dataset-url.config.ts';
import type { HardeningConfig } from '../config/hardening.config.ts';
import type { MatchPolicy } from '../core/open-set.ts';
import { DEFAULT_MAX_PIXELS } from '../engine/index.ts';
import { defaultMatchPolicy } from '../engine/open-set-calibration.ts';
import type { EngineRuntimeChoice } from '../engine/runtime/engine-runtime.ts';
import type { HttpAuth } from '../http/auth/index.ts';
import { httpHardening } from '../http/hardening/index.ts';
import { buildHttpServer } from '../http/server.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AverageJobStore } from '../ports/average-job-store.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { Logger } from '../ports/logger.ts';
import type { Tracer } from '../ports/tracer.ts';
import type { WorkerHeartbeatStore } from '../ports/worker-heartbeats.ts';
import { type AuthConfig, buildHttpAuth } from './auth.ts';
import {
  type GalleryIndexConfig,
  type OpenGalleries,
  openGalleries,
  type SearchClientConfig,
} from './gallery-index.ts';
import { groupingDeps } from './grouping-deps.ts';
import type { Infra } from './infra.ts';

let engineModule: Promise<typeof import('../engine/index.ts')> | undefined;
/** The engine module, loaded on first use (a test may run a role with its own engine). */
const loadEngineModule = () => {
  engineModule ??= import('../engine/index.ts');
  return engineModule;
};

/**
 * The in-process engine: a worker-thread pool of ENGINE_THREADS threads, its networks on ENGINE_RUNTIME;
 * logs the runtime the threads use (and why `auto` fell back to WASM, if it did).
 */
export async function inProcessEngine(
  config: { ENGINE_THREADS: number; ENGINE_RUNTIME: EngineRuntimeChoice },
  log: Logger,
): Promise<FaceEngine> {
  const engine = await (await loadEngineModule()).createFaceEngine({
    threads: config.ENGINE_THREADS,
    runtime: config.ENGINE_RUNTIME,
  });
  const { kind, fallbackReason } = engine.runtime;
  if (fallbackReason)
    log.warn(
      { runtime: kind, requested: config.ENGINE_RUNTIME, reason: fallbackReason },
      'engine runtime: ONNX did not load, running on WASM',
    );
  else
    log.info(
      { runtime: kind, requested: config.ENGINE_RUNTIME, threads: config.ENGINE_THREADS },
      'engine runtime',
    );
  return engine;
}

export interface EngineConfig {
  ENGINE_THREADS: number;
  ENGINE_RUNTIME: EngineRuntimeChoice;
  RECOGNIZER_URL?: string;
  RECOGNIZER_SECRET?: string;
  RECOGNIZER_TIMEOUT_MS: number;
  RECOGNIZER_BREAKER_FAILURES: number;
  RECOGNIZER_BREAKER_OPEN_MS: number;
  RECOGNIZER_RESOLVE_INTERVAL_MS: number;
  RECOGNIZER_MAX_CONNECTION_AGE_MS: number;
}

/**
 * The engine of api and worker: the remote recognizer (behind a circuit breaker whose state is exported
 * in `metrics`) when RECOGNIZER_URL is set, else the in-process pool.
 */
export async function openEngine(
  config: EngineConfig,
  log: Logger,
  metrics: Metrics,
  tracer?: Tracer,
): Promise<FaceEngine> {
  if (!config.RECOGNIZER_URL) return inProcessEngine(config, log);
  const { ConnectFaceEngine } = await import('../adapters/recognizer-client/face-engine.connect.ts');
  return ConnectFaceEngine.open({
    url: config.RECOGNIZER_URL,
    secret: config.RECOGNIZER_SECRET,
    timeoutMs: config.RECOGNIZER_TIMEOUT_MS,
    breakerFailures: config.RECOGNIZER_BREAKER_FAILURES,
    breakerOpenMs: config.RECOGNIZER_BREAKER_OPEN_MS,
    resolveIntervalMs: config.RECOGNIZER_RESOLVE_INTERVAL_MS,
    maxConnectionAgeMs: config.RECOGNIZER_MAX_CONNECTION_AGE_MS,
    log,
    onBreakerChange: metrics.recognizerBreaker(),
    tracer,
  });
}

async function decodeForCodec(bytes: Uint8Array) {
  const decoded = await (await loadEngineModule()).decodeImage(bytes);
  return { width: decoded.image.width, height: decoded.image.height, channels: 3, data: decoded.image.data };
}

export interface HttpApiParts {
  config: {
    DATA_DIR: string;
    MAX_UPLOAD_BYTES: number;
    MAX_UPLOAD_FILES: number;
    IMPORT_ROOTS: string[];
    MATCH_THRESHOLD?: number;
    GROUPING_THRESHOLD: number;
    GROUPING_MIN_FACES: number;
  } & GalleryIndexConfig &
    DatasetUrlConfig &
    Partial<SearchClientConfig> &
    HardeningConfig &
    AuthConfig;
  infra: Pick<Infra, 'stores' | 'queue' | 'blobs' | 'clock' | 'privacy' | 'audit' | 'users' | 'faceGroups'>;
  events: EventBus;
  engine: FaceEngine;
  averages: AverageJobStore | null;
  metrics: Metrics;
  logger: PinoLogger;
  isReady: () => boolean;
  /** Worker heartbeat rows for GET /api/system. */
  workers?: WorkerHeartbeatStore;
  /** Spans of ingest and the outbox relay (absent: untraced). */
  tracer?: Tracer;
}

export interface HttpApi {
  app: FastifyInstance;
  /** Publishes outbox rows (written by ingest and people changes) to the queue; the caller starts it. */
  relay: OutboxRelay;
  /** Closed by the role at stop (a connection to the search service, when SEARCH_URL is set). */
  galleries: OpenGalleries;
  /** How identification decides, shared with the worker of `all`. */
  match: MatchPolicy;
  /** The average-job dependencies, null where the store has no average tables. */
  averageDeps: Parameters<typeof buildHttpServer>[0]['averages'];
  auth: HttpAuth;
}

/**
 * Where average jobs' data sets may lie: the import roots (paths a client names) and the folder the
 * server saves uploaded archives in (created now, so that its real path is known).
 */
async function datasetRoots(importRoots: ImportRoots, uploadDir: string): Promise<ImportRoots> {
  await mkdir(uploadDir, { recursive: true });
  const uploads = await resolveImportRoots([uploadDir]);
  return {
    configured: [...importRoots.configured, ...uploads.configured],
    real: [...importRoots.real, ...uploads.real],
  };
}

/** The HTTP API of `all` and `api`: ingest, people, identify, events, average jobs, web UI. */
export async function buildHttpApi(parts: HttpApiParts): Promise<HttpApi> {
  const { config, infra, events, engine, logger } = parts;
  const { stores, queue, blobs, clock, privacy, audit, users } = infra;
  const auth = buildHttpAuth(config, users, clock, logger.child({ component: 'auth' }), audit);
  const match = defaultMatchPolicy(engine.model, config.MATCH_THRESHOLD);
  const galleries = await openGalleries(config, {
    gallery: stores.gallery,
    model: engine.model,
    role: 'api',
    log: logger,
    metrics: parts.metrics,
  });
  const relay = new OutboxRelay(stores.outbox, queue, logger, parts.tracer);
  const codec = new SharpImageCodec(decodeForCodec, DEFAULT_MAX_PIXELS);
  const nudge = () => relay.nudge();
  const importRoots = await resolveImportRoots(config.IMPORT_ROOTS);
  const uploadDir = join(config.DATA_DIR, 'imports');
  const averageDeps = parts.averages
    ? {
        averages: parts.averages,
        blobs,
        queue,
        events,
        clock,
        log: logger.child({ component: 'average' }),
        maxEntryBytes: config.MAX_UPLOAD_BYTES,
        importRoots,
        uploadDir,
        datasetRoots: await datasetRoots(importRoots, uploadDir),
        downloader: openDatasetDownloader(config, logger.child({ component: 'dataset-download' })),
        downloads: new DownloadBoard(),
        archives: new TarZipArchiveReader(),
      }
    : null;
  const app = await buildHttpServer({
    stores,
    blobs,
    codec,
    events,
    engine,
    galleries,
    match,
    metrics: parts.metrics,
    logger,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxUploadFiles: config.MAX_UPLOAD_FILES,
    dataDir: config.DATA_DIR,
    isReady: parts.isReady,
    hardening: httpHardening(config, openRateLimitRedis),
    auth,
    workers: parts.workers,
    averages: averageDeps,
    ingest: {
      stores,
      blobs,
      codec,
      events,
      clock,
      maxUploadBytes: config.MAX_UPLOAD_BYTES,
      importRoots,
      afterIngest: nudge,
      tracer: parts.tracer,
    },
    audit,
    grouping: groupingDeps({ ...infra, events }, config, logger.child({ component: 'grouping' })),
    people: {
      stores,
      engine,
      events,
      clock,
      privacy,
      blobs,
      audit,
      log: logger.child({ component: 'people' }),
      afterChange: nudge,
    },
  });
  return { app, relay, galleries, match, averageDeps, auth };
}
