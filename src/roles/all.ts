import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resumeUnfinishedAverageJobs } from '../app/average/average-coordinator.ts';
import { createPipelineJobHandler } from '../app/job-handler.ts';
import { redeemOnce } from '../app/redeem.ts';
import { purgeExpiredAverageJobs, purgeExpiredPhotos } from '../app/retention.ts';
import { QueueWorker } from '../app/worker.ts';
import { HeartbeatWriter, workerSample } from '../app/worker-heartbeat.ts';
import type { AllConfig } from '../config/roles.config.ts';
import { fileSystemProbe } from '../observability/fs-probe.ts';
import type { HealthServer } from '../observability/health-server.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import { engineAvailability, type FaceEngine } from '../ports/face-engine.ts';
import { type FirstRunSetup, firstRunSetup } from './auth.ts';
import { openAverageStore } from './average-store.ts';
import { consumerName, openEmbedded } from './embedded.ts';
import { groupingDeps } from './grouping-deps.ts';
import { buildHttpApi, inProcessEngine } from './http-api.ts';
import { startMetricsPort, storeReadiness } from './metrics-port.ts';

export interface RunningAll {
  url: string;
  /** First run (no user yet): the one-time link where the first admin chooses a password; else null. */
  setup: FirstRunSetup | null;
  /** Where /healthz, /readyz and /metrics answer without a token (METRICS_PORT), or null when unset. */
  metricsUrl: string | null;
  app: FastifyInstance;
  /** Graceful stop: no new jobs, jobs in hand finished or released, HTTP closed, files closed. */
  close(): Promise<void>;
}

export interface AllOptions {
  /** The engine to use instead of the in-process worker-thread pool. */
  engine?: FaceEngine;
  /** How long shutdown waits for jobs in hand before releasing them. */
  drainMs?: number;
  /** Started by the caller before this module loaded (it owns the shutdown); default off. */
  tracing?: Tracing;
}

/** `faceflow all`: API, workers, redeemer and outbox relay in one process on the embedded adapters. */
export async function startAll(config: AllConfig, options: AllOptions = {}): Promise<RunningAll> {
  const { tracer, logFields } = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'all', logDestination(config.LOG_FORMAT), logFields);
  let ready = false;
  const infra = await openEmbedded(config);
  const { stores, queue, blobs, clock, events } = infra;
  const averageStore = await openAverageStore(config);
  const engine = options.engine ?? (await inProcessEngine(config, logger));
  const metrics = new Metrics({ queue, images: stores.images, engineStats: () => engine.stats() });
  const { app, relay, galleries, match, averageDeps, auth } = await buildHttpApi({
    config,
    infra,
    events,
    engine,
    averages: averageStore.averages,
    metrics,
    logger,
    isReady: () => ready,
    workers: infra.heartbeats,
    tracer,
  });
  const log = logger.child({ component: 'worker' });

  const handler = createPipelineJobHandler({
    stores,
    blobs,
    engine,
    galleries,
    events,
    clock,
    log,
    observer: metrics.observer(),
    retry: { maxAttempts: config.MAX_ATTEMPTS, baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: 10 * 60_000 },
    match,
    leaseMs: config.JOB_LEASE_MS,
    averages: averageStore.averages,
    grouping: groupingDeps(infra, config, log.child({ component: 'grouping' })),
    queue,
    tracer,
  });
  const consumer = consumerName('all');
  const worker = new QueueWorker({
    queue,
    handler,
    log,
    consumer,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs: config.JOB_LEASE_MS,
    dependency: engineAvailability(engine),
    onPausedChange: metrics.workerPaused(),
    tracer,
  });
  const heartbeat = new HeartbeatWriter({
    store: infra.heartbeats,
    clock,
    log,
    identity: { id: consumer, host: hostname(), pid: process.pid, role: 'all' },
    intervalMs: config.WORKER_HEARTBEAT_MS,
    sample: () => workerSample(engine, () => worker.busy, config.WORKER_CONCURRENCY),
  });
  const redeem = () =>
    redeemOnce({ stores, clock, log: logger, staleMs: config.REDEEM_STALE_MS })
      .then((ids) => (ids.length > 0 ? relay.drain() : 0))
      .then(() => purgeExpiredPhotos({ ...infra, log: logger, retentionDays: config.RETENTION_DAYS }))
      .then(() =>
        purgeExpiredAverageJobs({
          ...infra,
          averages: averageStore.averages,
          uploadDir: join(config.DATA_DIR, 'imports'),
          log: logger,
          retentionDays: config.RETENTION_DAYS,
        }),
      )
      .catch((error) => logger.error({ err: String(error) }, 'redeemer pass failed'));
  let redeemTimer: NodeJS.Timeout | undefined;
  let health: HealthServer | null = null;
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      ready = false;
      clearInterval(redeemTimer);
      await worker.stop(options.drainMs ?? 10_000);
      await heartbeat.stop();
      await app.close();
      await health?.close();
      await relay.stop();
      events.close();
      await engine.close();
      await averageStore.close();
      await infra.close();
      logger.info({}, 'faceflow stopped');
    })();
    return closing;
  };

  try {
    await redeem();
    relay.start(1000);
    redeemTimer = setInterval(redeem, config.REDEEM_INTERVAL_MS);
    redeemTimer.unref();
    worker.start();
    await heartbeat.start();
    if (averageDeps)
      resumeUnfinishedAverageJobs(averageDeps).catch((error) =>
        logger.error({ err: String(error) }, 'resuming average jobs failed'),
      );
    const address = await app.listen({ port: config.PORT, host: config.HOST });
    health = await startMetricsPort(
      config,
      metrics,
      storeReadiness(() => ready, stores.gallery, fileSystemProbe(config.DATA_DIR)),
    );
    ready = true;
    logger.info(
      {
        url: address,
        metrics: health?.url,
        threads: config.ENGINE_THREADS,
        workers: config.WORKER_CONCURRENCY,
      },
      'faceflow started',
    );
    return {
      url: address,
      metricsUrl: health?.url ?? null,
      app,
      close,
      setup: await firstRunSetup(auth, address),
    };
  } catch (error) {
    await close();
    throw error;
  }
}
