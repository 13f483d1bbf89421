import { MemoryEventBus } from '../adapters/events-memory/event-bus.memory.ts';
import { GalleryCache } from '../app/gallery-cache.ts';
import { createPipelineJobHandler } from '../app/job-handler.ts';
import { noopObserver } from '../app/observer.ts';
import { OutboxRelay } from '../app/outbox-relay.ts';
import { QueueWorker } from '../app/worker.ts';
import type { WorkerConfig } from '../config/roles.config.ts';
import { createLogger } from '../observability/logger.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { openAverageStore } from './average-store.ts';
import { consumerName, openEmbedded } from './embedded.ts';

export interface RunningWorker {
  consumer: string;
  close(): Promise<void>;
}

/** `faceflow worker`: consumes the queue and writes results; no HTTP. Several may share one database. */
export async function startWorker(
  config: WorkerConfig,
  options: {
    engine?: FaceEngine;
    drainMs?: number;
    /** Leave `engine` open at close (the caller owns it). */
    keepEngine?: boolean;
  } = {},
): Promise<RunningWorker> {
  const logger = createLogger(config.LOG_LEVEL, 'worker');
  const infra = await openEmbedded(config);
  const { store, queue, blobs, clock } = infra;
  const averageStore = await openAverageStore(config);
  const engine =
    options.engine ??
    (await (await import('../engine/index.ts')).createFaceEngine({ threads: config.ENGINE_THREADS }));
  const consumer = consumerName('worker');
  const relay = new OutboxRelay(store, queue, logger);
  const events = new MemoryEventBus(100, clock);
  const worker = new QueueWorker({
    queue,
    log: logger,
    consumer,
    concurrency: config.WORKER_CONCURRENCY,
    leaseMs: config.JOB_LEASE_MS,
    handler: createPipelineJobHandler({
      store,
      blobs,
      engine,
      galleries: new GalleryCache(store, engine.model),
      events,
      clock,
      log: logger,
      observer: noopObserver,
      retry: { maxAttempts: config.MAX_ATTEMPTS, baseDelayMs: config.RETRY_BASE_MS, maxDelayMs: 10 * 60_000 },
      threshold: config.MATCH_THRESHOLD ?? engine.model.threshold,
      leaseMs: config.JOB_LEASE_MS,
      averages: averageStore.averages,
    }),
  });
  relay.start(500);
  worker.start();
  logger.info({ consumer, concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  return {
    consumer,
    async close() {
      await worker.stop(options.drainMs ?? 10_000);
      await relay.stop();
      if (!options.keepEngine) await engine.close();
      await averageStore.close();
      await infra.close();
      logger.info({ consumer }, 'worker stopped');
    },
  };
}
