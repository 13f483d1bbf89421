import type { FastifyInstance } from 'fastify';
import { resumeUnfinishedAverageJobs } from '../app/average/average-coordinator.ts';
import type { AllConfig } from '../config/roles.config.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { type FirstRunSetup, firstRunSetup } from './wiring/auth.ts';
import { openHttpApi } from './wiring/http-api.ts';
import { Lifecycle } from './wiring/lifecycle.ts';
import { startMaintenance } from './wiring/maintenance.ts';
import { consumerName, startPipelineWorker } from './wiring/pipeline-worker.ts';
import { openRoleResources } from './wiring/role-resources.ts';

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
  const lifecycle = new Lifecycle(logger);
  lifecycle.defer('stop line', () => logger.info({}, 'faceflow stopped'));
  return lifecycle.run(async () => {
    const resources = await openRoleResources(lifecycle, config, logger, { engine: options.engine, tracer });
    const { infra, averages, metrics, engine } = resources;
    const api = await openHttpApi(lifecycle, { config, infra, engine, averages, metrics, logger, tracer });
    await startMaintenance(lifecycle, { config, infra, averages, relay: api.relay, log: logger });
    await startPipelineWorker(lifecycle, {
      config,
      role: 'all',
      consumer: consumerName('all'),
      infra,
      engine,
      matching: api.matching,
      averages,
      metrics,
      log: logger.child({ component: 'worker' }),
      drainMs: options.drainMs ?? 10_000,
      tracer,
    });
    if (api.averageDeps)
      resumeUnfinishedAverageJobs(api.averageDeps).catch((error) =>
        logger.error({ err: String(error) }, 'resuming average jobs failed'),
      );
    const { url, metricsUrl } = await api.serve();
    const { ENGINE_THREADS: threads, WORKER_CONCURRENCY: workers } = config;
    logger.info({ url, metrics: metricsUrl ?? undefined, threads, workers }, 'faceflow started');
    const close = () => lifecycle.close();
    return { url, metricsUrl, app: api.app, close, setup: await firstRunSetup(api.auth, url) };
  });
}
