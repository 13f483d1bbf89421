import { hostname } from 'node:os';
import { createPipelineJobHandler } from '../app/job-handler.ts';
import { OutboxRelay } from '../app/outbox-relay.ts';
import { QueueWorker } from '../app/worker.ts';
import { HeartbeatWriter, workerSample } from '../app/worker-heartbeat.ts';
import type { WorkerConfig } from '../config/roles.config.ts';
import { defaultMatchPolicy } from '../engine/open-set-calibration.ts';
import { fileSystemProbe } from '../observability/fs-probe.ts';
import { type HealthServer, startHealthServer } from '../observability/health-server.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import { engineAvailability, type FaceEngine } from '../ports/face-engine.ts';
import { openAverageStore } from './average-store.ts';
import { consumerName, openEmbedded } from './embedded.ts';
import { openGalleries } from './gallery-index.ts';
import { groupingDeps } from './grouping-deps.ts';
import { openEngine } from './http-api.ts';
import type { Infra } from './infra.ts';
import { storeReadiness } from './metrics-port.ts';

export interface RunningWorker {
  consumer: string;
  /** Where /healthz, /readyz and /metrics answer (null when not served). */
  metricsUrl: string | null;
  close(): Promise<void>;
}

/**
 * `faceflow worker`: consumes the queue and writes results; no API, only /healthz, /readyz and /metrics
 * on METRICS_PORT. Several may share one database; on PostgreSQL their events reach every api process.
 */
export async function startWorker(
  config: WorkerConfig,
  options: {
    engine?: FaceEngine;
    drainMs?: number;
    /** Leave `engine` open at close (the caller owns it). */
    keepEngine?: boolean;
    /** Serve /healthz, /readyz, /metrics on METRICS_PORT (default); off for a worker inside a CLI command. */
    serveHealth?: boolean;
    /**
     * The caller's adapters, left open at close. A process shares one SQLite connection: a second one
     * would block the event loop on a lock while the first holds a transaction across an await.
     */
    infra?: Infra;
    /** Started by the caller before this module loaded (it owns the shutdown); default off. */
    tracing?: Tracing;
  } = {},
): Promise<RunningWorker> {
  const { tracer, logFields } = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'worker', logDestination(config.LOG_FORMAT), logFields);
  const infra = options.infra ?? (await openEmbedded(config));
  const ownsInfra = options.infra === undefined;
  const { stores, queue, blobs, clock, events } = infra;
  const averageStore = await openAverageStore(config);
  const consumer = consumerName('worker');
  const relay = new OutboxRelay(stores.outbox, queue, logger, tracer);
  // Scraped only once the engine below exists.
  const metrics = new Metrics({ queue, images: stores.images, engineStats: () => engine.stats() });
  const engine =
    options.engine ??
    (await openEngine(config, logger, metrics, tracer).catch(async (error: unknown) => {
      // Nothing may stay open, or the process would not exit.
      await averageStore.close();
      if (ownsInfra) await infra.close();
      throw error;
    }));
  const galleries = await openGalleries(config, {
    gallery: stores.gallery,
    model: engine.model,
    role: 'worker',
    log: logger,
    metrics,
  });
  let ready = false;
  const worker = new QueueWorker({
    queue,
    log: logger,
    consumer,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs: config.JOB_LEASE_MS,
    dependency: engineAvailability(engine),
    onPausedChange: metrics.workerPaused(),
    tracer,
    handler: createPipelineJobHandler({
      stores,
      blobs,
      engine,
      galleries,
      events,
      clock,
      log: logger,
      observer: metrics.observer(),
      retry: { maxAttempts: config.MAX_ATTEMPTS, baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: 10 * 60_000 },
      match: defaultMatchPolicy(engine.model, config.MATCH_THRESHOLD),
      leaseMs: config.JOB_LEASE_MS,
      averages: averageStore.averages,
      grouping: groupingDeps(infra, config, logger.child({ component: 'grouping' })),
      queue,
      tracer,
    }),
  });
  let health: HealthServer | null = null;
  try {
    if (options.serveHealth ?? true)
      health = await startHealthServer({
        port: config.METRICS_PORT,
        host: config.METRICS_HOST,
        registry: metrics.registry,
        readiness: storeReadiness(() => ready, stores.gallery, fileSystemProbe(config.DATA_DIR)),
      });
  } catch (error) {
    await galleries.close();
    if (!options.keepEngine) await engine.close();
    await averageStore.close();
    if (ownsInfra) await infra.close();
    throw error;
  }
  const heartbeat = new HeartbeatWriter({
    store: infra.heartbeats,
    clock,
    log: logger,
    identity: { id: consumer, host: hostname(), pid: process.pid, role: 'worker' },
    intervalMs: config.WORKER_HEARTBEAT_MS,
    sample: () => workerSample(engine, () => worker.busy, config.WORKER_CONCURRENCY),
  });
  relay.start(500);
  worker.start();
  await heartbeat.start();
  ready = true;
  logger.info({ consumer, concurrency: config.WORKER_CONCURRENCY, metrics: health?.url }, 'worker started');
  return {
    consumer,
    metricsUrl: health?.url ?? null,
    async close() {
      ready = false;
      await worker.stop(options.drainMs ?? 10_000);
      await heartbeat.stop();
      await health?.close();
      await relay.stop();
      await galleries.close();
      if (!options.keepEngine) await engine.close();
      if (ownsInfra) events.close();
      await averageStore.close();
      if (ownsInfra) await infra.close();
      logger.info({ consumer }, 'worker stopped');
    },
  };
}
