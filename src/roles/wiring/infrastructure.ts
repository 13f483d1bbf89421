import { join } from 'node:path';
import { FsBlobStore } from '../../adapters/blobs-fs/blob-store.fs.ts';
import { ensurePrivateDirSync } from '../../adapters/blobs-fs/private-files.ts';
import type { WorkerConfig } from '../../config/roles.config.ts';
import { createLogger } from '../../observability/logger.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { EventBus } from '../../ports/event-bus.ts';
import type { JobQueue } from '../../ports/job-queue.ts';
import type { DatabaseKind } from './database.ts';
import { Lifecycle } from './lifecycle.ts';
import { openQueue, type QueueConfig, type QueueKind } from './queue.ts';
import { type DatabaseConfig, openDatabase, openEventBus, openStores, type Stores } from './stores.ts';

export type InfraConfig = Pick<WorkerConfig, 'DATA_DIR'> &
  DatabaseConfig &
  QueueConfig &
  Partial<Pick<WorkerConfig, 'LOG_LEVEL' | 'DATABASE_EVENTS_POLL_MS'>>;

/** The adapters every role with a database shares. */
export interface Infrastructure extends Stores {
  queue: JobQueue;
  blobs: BlobStore;
  clock: Clock;
  /** In-process on SQLite, across processes on PostgreSQL (see `openEventBus`). */
  events: EventBus;
  database: DatabaseKind;
  queueKind: QueueKind;
  /** Closes the queue, the events and the database, in that order. */
  close(): Promise<void>;
}

/**
 * Opens the adapters the URLs name: `DATABASE_URL` (sqlite:… | postgres://…) for the stores and events,
 * `QUEUE_URL` (embedded: | amqp://… | nats://…) for the queue, blobs under DATA_DIR. SQLite and the
 * embedded queue by default.
 */
export async function openInfrastructure(
  config: InfraConfig,
  clock: Clock = systemClock,
): Promise<Infrastructure> {
  const log = createLogger(config.LOG_LEVEL ?? 'info', 'infra');
  // DATA_DIR holds photos and embeddings: the service user's only (0700).
  ensurePrivateDirSync(config.DATA_DIR);
  const blobs = new FsBlobStore(join(config.DATA_DIR, 'blobs'));
  const lifecycle = new Lifecycle(log);
  return lifecycle.run(async () => {
    const database = lifecycle.adopt('database', await openDatabase(config), (d) => d.close());
    const bus = lifecycle.adopt(
      'events',
      await openEventBus(database, {
        clock,
        log,
        capacity: 2000,
        pollMs: config.DATABASE_EVENTS_POLL_MS,
      }),
      (b) => b.close(),
    );
    const { queue, kind } = await openQueue(config, database, clock, log);
    lifecycle.defer('queue', () => queue.close());
    return {
      ...(await openStores(database, clock)),
      queue,
      blobs,
      clock,
      events: bus.events,
      database: database.kind,
      queueKind: kind,
      close: () => lifecycle.close(),
    };
  });
}
