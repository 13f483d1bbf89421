import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '../config/roles.config.ts';
import { fileSystemProbe } from '../observability/fs-probe.ts';
import type { HealthServer } from '../observability/health-server.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { type FirstRunSetup, firstRunSetup } from './auth.ts';
import { openAverageStore } from './average-store.ts';
import { openEmbedded } from './embedded.ts';
import { buildHttpApi, openEngine } from './http-api.ts';
import { startMetricsPort, storeReadiness } from './metrics-port.ts';

export interface RunningApi {
  url: string;
  /** First run (no user yet): the one-time link where the first admin chooses a password; else null. */
  setup: FirstRunSetup | null;
  /** Where /healthz, /readyz and /metrics answer without a token (METRICS_PORT), or null when unset. */
  metricsUrl: string | null;
  app: FastifyInstance;
  /** Graceful stop: readiness off, HTTP closed (SSE streams ended), outbox drained, connections closed. */
  close(): Promise<void>;
}

export interface ApiOptions {
  /** The engine for identify, enrolment and the webcam instead of the in-process pool. */
  engine?: FaceEngine;
  /** Started by the caller before this module loaded (it owns the shutdown); default off. */
  tracing?: Tracing;
}

/**
 * `faceflow api`: the HTTP API, OpenAPI docs, web UI and live events; ingest writes photos and outbox
 * rows, which this process relays to the queue. It processes no jobs: `faceflow worker` does. On
 * PostgreSQL the events of every worker reach this process's SSE clients (LISTEN/NOTIFY).
 */
export async function startApi(config: ApiConfig, options: ApiOptions = {}): Promise<RunningApi> {
  const tracing = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'api', logDestination(config.LOG_FORMAT), tracing.logFields);
  let ready = false;
  const infra = await openEmbedded(config);
  const { stores, queue, events } = infra;
  const averageStore = await openAverageStore(config);
  // Scraped only once the engine below exists.
  const metrics = new Metrics({ queue, images: stores.images, engineStats: () => engine.stats() });
  const engine =
    options.engine ??
    (await openEngine(config, logger, metrics, tracing.tracer).catch(async (error: unknown) => {
      // Nothing may stay open, or the process would not exit.
      await averageStore.close();
      await infra.close();
      throw error;
    }));

  let api: Awaited<ReturnType<typeof buildHttpApi>> | undefined;
  let health: HealthServer | null = null;
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      ready = false;
      await api?.app.close();
      await health?.close();
      await api?.relay.stop();
      await api?.galleries.close();
      events.close();
      await engine.close();
      await averageStore.close();
      await infra.close();
      logger.info({}, 'api stopped');
    })();
    return closing;
  };

  try {
    api = await buildHttpApi({
      config,
      infra,
      events,
      engine,
      averages: averageStore.averages,
      metrics,
      logger,
      isReady: () => ready,
      workers: infra.heartbeats,
      tracer: tracing.tracer,
    });
    api.relay.start(1000);
    const address = await api.app.listen({ port: config.PORT, host: config.HOST });
    health = await startMetricsPort(
      config,
      metrics,
      storeReadiness(() => ready, stores.gallery, fileSystemProbe(config.DATA_DIR)),
    );
    ready = true;
    logger.info(
      { url: address, metrics: health?.url, database: infra.database, queue: infra.queueKind },
      'api started',
    );
    return {
      url: address,
      metricsUrl: health?.url ?? null,
      app: api.app,
      close,
      setup: await firstRunSetup(api.auth, address),
    };
  } catch (error) {
    await close();
    throw error;
  }
}
