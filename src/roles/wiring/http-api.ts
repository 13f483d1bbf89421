import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { TarZipArchiveReader } from '../../adapters/archives-tar-zip/archive-reader.tar-zip.ts';
import { openDatasetDownloader } from '../../adapters/dataset-url/index.ts';
import { openRateLimitRedis } from '../../adapters/redis/rate-limit-redis.ts';
import { DownloadBoard } from '../../app/average/download-board.ts';
import { identifyPhoto } from '../../app/identify.ts';
import { type ImportRoots, resolveImportRoots } from '../../app/import-path.ts';
import { OutboxRelay } from '../../app/outbox-relay.ts';
import { peopleService } from '../../app/people-service.ts';
import { photoService } from '../../app/photo-service.ts';
import type { DatasetUrlConfig } from '../../config/dataset-url.config.ts';
import type { HardeningConfig } from '../../config/hardening.config.ts';
import type { ApiConfig } from '../../config/roles.config.ts';
import type { HttpAuth } from '../../http/auth/index.ts';
import { httpHardening } from '../../http/hardening/index.ts';
import { buildHttpServer } from '../../http/server.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import type { FaceEngine } from '../../ports/face-engine.ts';
import type { Tracer } from '../../ports/tracer.ts';
import { type AuthConfig, buildHttpAuth } from './auth.ts';
import { imageCodec } from './engine.ts';
import { ReadyFlag, serveHealth, storeReadiness } from './health.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Lifecycle } from './lifecycle.ts';
import {
  groupingDeps,
  type Matching,
  type MatchingConfig,
  openMatching,
  type SearchClientConfig,
} from './matching.ts';

export type HttpApiConfig = Pick<
  ApiConfig,
  | 'DATA_DIR'
  | 'PORT'
  | 'HOST'
  | 'METRICS_PORT'
  | 'METRICS_HOST'
  | 'MAX_UPLOAD_BYTES'
  | 'MAX_UPLOAD_FILES'
  | 'IMPORT_ROOTS'
> &
  MatchingConfig &
  SearchClientConfig &
  DatasetUrlConfig &
  HardeningConfig &
  AuthConfig;

export interface HttpApiParts {
  config: HttpApiConfig;
  infra: Infrastructure;
  engine: FaceEngine;
  averages: AverageJobStore | null;
  metrics: Metrics;
  logger: PinoLogger;
  /** Spans of ingest and the outbox relay (absent: untraced). */
  tracer?: Tracer;
}

export interface HttpApi {
  app: FastifyInstance;
  /** Publishes the outbox rows that ingest and people changes write to the queue; `serve` starts it. */
  relay: OutboxRelay;
  /** The gallery and the 1:N decision, shared with the worker of `all`. */
  matching: Matching;
  /** The average-job dependencies, null where the store has no average tables. */
  averageDeps: Parameters<typeof buildHttpServer>[0]['averages'];
  auth: HttpAuth;
  /**
   * Starts relaying the outbox (rows written by ingest and people changes) to the queue, listens on
   * HOST:PORT and, when set, METRICS_PORT, and turns ready (/readyz); resolves with both URLs.
   */
  serve(): Promise<{ url: string; metricsUrl: string | null }>;
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

/**
 * The HTTP API of `all` and `api` (ingest, people, identify, events, average jobs, web UI), closed with
 * `lifecycle`; it answers once `serve` is called.
 */
export async function openHttpApi(lifecycle: Lifecycle, parts: HttpApiParts): Promise<HttpApi> {
  const { config, infra, engine, logger } = parts;
  const ready = new ReadyFlag();
  const { stores, queue, blobs, clock, privacy, audit, users, events } = infra;
  const auth = buildHttpAuth(config, users, clock, logger.child({ component: 'auth' }), audit);
  const matching = await openMatching(lifecycle, {
    config,
    gallery: stores.gallery,
    engine,
    role: 'api',
    log: logger,
    metrics: parts.metrics,
  });
  const relay = new OutboxRelay(stores.outbox, queue, logger, parts.tracer);
  const codec = imageCodec();
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
  const ingest = {
    stores,
    blobs,
    codec,
    events,
    clock,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    importRoots,
    afterIngest: nudge,
    tracer: parts.tracer,
  };
  const people = { stores, engine, events, clock, privacy, blobs, audit, afterChange: nudge };
  const grouping = groupingDeps(infra, config, logger.child({ component: 'grouping' }));
  const app = await buildHttpServer({
    photos: photoService({ ...ingest, privacy, audit, log: logger.child({ component: 'photos' }) }),
    people: peopleService({ ...people, codec, log: logger.child({ component: 'people' }) }),
    identify: (bytes) => identifyPhoto({ engine, stores, ...matching }, bytes),
    corrections: { people, grouping },
    stores,
    blobs,
    codec,
    events,
    engine,
    metrics: parts.metrics,
    logger,
    maxUploadBytes: config.MAX_UPLOAD_BYTES,
    maxUploadFiles: config.MAX_UPLOAD_FILES,
    dataDir: config.DATA_DIR,
    isReady: ready.isReady,
    hardening: httpHardening(config, openRateLimitRedis),
    auth,
    workers: infra.heartbeats,
    averages: averageDeps,
    audit,
  });
  lifecycle.defer('outbox relay', () => relay.stop());
  lifecycle.defer('http server', () => app.close());
  async function serve() {
    relay.start(1000);
    const url = await app.listen({ port: config.PORT, host: config.HOST });
    const readiness = storeReadiness(ready.isReady, stores.gallery, config.DATA_DIR);
    const metricsUrl = await serveHealth(lifecycle, config, parts.metrics, readiness);
    ready.set(lifecycle);
    return { url, metricsUrl };
  }
  return { app, relay, matching, averageDeps, auth, serve };
}
