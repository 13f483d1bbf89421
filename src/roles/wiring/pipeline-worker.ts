import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createPipelineJobHandler } from '../../app/job-handler.ts';
import { QueueWorker } from '../../app/worker.ts';
import { HeartbeatWriter, workerSample } from '../../app/worker-heartbeat.ts';
import type { WorkerConfig } from '../../config/roles.config.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import { engineAvailability, type FaceEngine } from '../../ports/face-engine.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Tracer } from '../../ports/tracer.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Lifecycle } from './lifecycle.ts';
import { groupingDeps, type Matching } from './matching.ts';

export type PipelineConfig = Pick<
  WorkerConfig,
  | 'MAX_ATTEMPTS'
  | 'RETRY_BASE_MS'
  | 'JOB_LEASE_MS'
  | 'WORKER_CONCURRENCY'
  | 'WORKER_HEARTBEAT_MS'
  | 'GROUPING_THRESHOLD'
  | 'GROUPING_MIN_FACES'
>;

export interface PipelineParts {
  config: PipelineConfig;
  /** The role in the heartbeat row (`all` or `worker`). */
  role: string;
  /** This process's lease owner name (see `consumerName`). */
  consumer: string;
  infra: Infrastructure;
  engine: FaceEngine;
  matching: Matching;
  averages: AverageJobStore | null;
  metrics: Metrics;
  log: Logger;
  /** How long a stop waits for the jobs in hand before releasing them. */
  drainMs: number;
  /** Spans of each job (absent: untraced). */
  tracer?: Tracer;
}

/** A lease owner name unique to this process. */
export function consumerName(role: string): string {
  return `${role}:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * The queue worker of `all` and `worker`: takes photo, re-identification and average-chunk jobs (paused
 * while the engine is unavailable) and writes its heartbeat row. At the stop of `lifecycle`: no new jobs,
 * the jobs in hand finished or released after `drainMs`, the heartbeat row removed.
 */
export async function startPipelineWorker(lifecycle: Lifecycle, parts: PipelineParts): Promise<void> {
  const { config, infra, engine, metrics, log } = parts;
  const worker = new QueueWorker({
    queue: infra.queue,
    log,
    consumer: parts.consumer,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs: config.JOB_LEASE_MS,
    dependency: engineAvailability(engine),
    onPausedChange: metrics.workerPaused(),
    tracer: parts.tracer,
    handler: createPipelineJobHandler({
      stores: infra.stores,
      blobs: infra.blobs,
      events: infra.events,
      clock: infra.clock,
      queue: infra.queue,
      ...parts.matching,
      engine,
      log,
      observer: metrics.observer(),
      retry: { maxAttempts: config.MAX_ATTEMPTS, baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: 10 * 60_000 },
      leaseMs: config.JOB_LEASE_MS,
      averages: parts.averages,
      grouping: groupingDeps(infra, config, log.child({ component: 'grouping' })),
      tracer: parts.tracer,
    }),
  });
  const heartbeat = new HeartbeatWriter({
    store: infra.heartbeats,
    clock: infra.clock,
    log,
    identity: { id: parts.consumer, host: hostname(), pid: process.pid, role: parts.role },
    intervalMs: config.WORKER_HEARTBEAT_MS,
    sample: () => workerSample(engine, () => worker.busy, config.WORKER_CONCURRENCY),
  });
  lifecycle.defer('queue worker', async () => {
    await worker.stop(parts.drainMs);
    await heartbeat.stop();
  });
  worker.start();
  await heartbeat.start();
}
