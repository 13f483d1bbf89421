import type { FastifyInstance } from 'fastify';
import type { ApiConfig } from '../config/roles.config.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { type FirstRunSetup, firstRunSetup } from './wiring/auth.ts';
import { openHttpApi } from './wiring/http-api.ts';
import { Lifecycle } from './wiring/lifecycle.ts';
import { openRoleResources } from './wiring/role-resources.ts';

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
  const { tracer, logFields } = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'api', logDestination(config.LOG_FORMAT), logFields);
  const lifecycle = new Lifecycle(logger);
  lifecycle.defer('stop line', () => logger.info({}, 'api stopped'));
  return lifecycle.run(async () => {
    const { infra, averages, metrics, engine } = await openRoleResources(lifecycle, config, logger, {
      ...options,
      tracer,
    });
    const api = await openHttpApi(lifecycle, { config, infra, engine, averages, metrics, logger, tracer });
    const { url, metricsUrl } = await api.serve();
    const { database, queueKind: queue } = infra;
    logger.info({ url, metrics: metricsUrl ?? undefined, database, queue }, 'api started');
    const close = () => lifecycle.close();
    return { url, metricsUrl, app: api.app, close, setup: await firstRunSetup(api.auth, url) };
  });
}
