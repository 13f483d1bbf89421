import { OutboxRelay } from '../app/outbox-relay.ts';
import type { WorkerConfig } from '../config/roles.config.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import { ReadyFlag, serveHealth, storeReadiness } from './wiring/health.ts';
import { Lifecycle } from './wiring/lifecycle.ts';
import { openMatching } from './wiring/matching.ts';
import { consumerName, startPipelineWorker } from './wiring/pipeline-worker.ts';
import { openRoleResources, type RoleResourceOptions } from './wiring/role-resources.ts';

export interface RunningWorker {
  consumer: string;
  /** Where /healthz, /readyz and /metrics answer (null when not served). */
  metricsUrl: string | null;
  close(): Promise<void>;
}

export interface WorkerOptions extends RoleResourceOptions {
  /** How long a stop waits for the jobs in hand before releasing them (default 10 s). */
  drainMs?: number;
  /** Serve /healthz, /readyz, /metrics on METRICS_PORT (default); off for a worker inside a CLI command. */
  serveHealth?: boolean;
  /** Started by the caller before this module loaded (it owns the shutdown); default off. */
  tracing?: Tracing;
}

/**
 * `faceflow worker`: consumes the queue and writes results; no API, only /healthz, /readyz and /metrics
 * on METRICS_PORT. Several may share one database; on PostgreSQL their events reach every api process.
 */
export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<RunningWorker> {
  const { tracer, logFields } = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'worker', logDestination(config.LOG_FORMAT), logFields);
  const consumer = consumerName('worker');
  const lifecycle = new Lifecycle(logger);
  lifecycle.defer('stop line', () => logger.info({ consumer }, 'worker stopped'));
  return lifecycle.run(async () => {
    const { infra, averages, metrics, engine } = await openRoleResources(lifecycle, config, logger, {
      ...options,
      tracer,
    });
    const ready = new ReadyFlag();
    const readiness = storeReadiness(ready.isReady, infra.stores.gallery, config.DATA_DIR);
    const metricsUrl =
      options.serveHealth === false ? null : await serveHealth(lifecycle, config, metrics, readiness);
    const relay = new OutboxRelay(infra.stores.outbox, infra.queue, logger, tracer);
    relay.start(500);
    lifecycle.defer('outbox relay', () => relay.stop());
    await startPipelineWorker(lifecycle, {
      config,
      role: 'worker',
      consumer,
      infra,
      engine,
      matching: await openMatching(lifecycle, {
        config,
        gallery: infra.stores.gallery,
        engine,
        role: 'worker',
        log: logger,
        metrics,
      }),
      averages,
      metrics,
      log: logger,
      drainMs: options.drainMs ?? 10_000,
      tracer,
    });
    ready.set(lifecycle);
    const { WORKER_CONCURRENCY: concurrency } = config;
    logger.info({ consumer, concurrency, metrics: metricsUrl ?? undefined }, 'worker started');
    return { consumer, metricsUrl, close: () => lifecycle.close() };
  });
}
