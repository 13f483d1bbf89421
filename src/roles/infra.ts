import { join } from 'node:path';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { ensurePrivateDirSync } from '../adapters/blobs-fs/private-files.ts';
import { EmbeddedJobQueue } from '../adapters/queue-embedded/job-queue.embedded.ts';
import { sqlStores } from '../adapters/sql/sql-stores.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { FaceGroupStores } from '../ports/face-groups.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import type { PrivacyStore } from '../ports/privacy-store.ts';
import type { UserStore } from '../ports/user-store.ts';
import type { WorkerHeartbeatStore } from '../ports/worker-heartbeats.ts';
import { type DatabaseKind, openDatabase } from './database.ts';

export interface InfraConfig {
  DATA_DIR: string;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE?: number;
  DATABASE_STATEMENT_TIMEOUT_MS?: number;
  DATABASE_EVENTS_POLL_MS?: number;
  QUEUE_URL?: string;
  QUEUE_NAME?: string;
  MAX_ATTEMPTS?: number;
  JOB_LEASE_MS?: number;
  WORKER_CONCURRENCY?: number;
}

export interface Infra {
  /** Photos, faces, people, the gallery and the outbox: one small store each, on one database. */
  stores: PhotoStores;
  queue: JobQueue;
  blobs: BlobStore;
  clock: Clock;
  /** Forgetting people and the retention purge, on the store's database. */
  privacy: PrivacyStore;
  /** Users, sessions and API keys, on the store's database (one connection on SQLite: no lock waits). */
  users: UserStore;
  /** The audit log, on the store's database. */
  audit: AuditLog;
  /**
   * Events: in-process on SQLite; on PostgreSQL (LISTEN/NOTIFY) and MySQL/MariaDB (a polled table) shared
   * with every process on the database, so an api's SSE clients see what a worker process wrote.
   */
  events: EventBus;
  /** Worker heartbeat rows, on the store's database (the System page lists the workers). */
  heartbeats: WorkerHeartbeatStore;
  /** Suggested people and corrections, and the (linear) index incremental grouping searches. */
  faceGroups: FaceGroupStores;
  /** `sqlite`, `postgres` or `mysql` (MySQL or MariaDB). */
  database: DatabaseKind;
  /** `embedded`, `rabbitmq` or `nats`. */
  queueKind: 'embedded' | 'rabbitmq' | 'nats';
  close(): Promise<void>;
}

/**
 * Opens the adapters the URLs name: `DATABASE_URL` (sqlite:… | postgres://… | mysql://…) for the store,
 * `QUEUE_URL` (embedded: | amqp://… | nats://…) for the queue, blobs under DATA_DIR. The only place
 * (with the roles) that knows which adapter is which.
 */
export async function openInfra(
  config: InfraConfig,
  log: Logger,
  clock: Clock = systemClock,
  eventCapacity = 2000,
): Promise<Infra> {
  // DATA_DIR holds photos and embeddings: the service user's only (0700).
  ensurePrivateDirSync(config.DATA_DIR);
  const blobs = new FsBlobStore(join(config.DATA_DIR, 'blobs'));
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    const database = await openDatabase(config.DATABASE_URL, {
      poolSize: config.DATABASE_POOL_SIZE,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
    closers.push(() => database.close());
    const { db } = database;
    const dbStores = sqlStores(db, clock, { relayer: database.relayer });
    const events = await database.openEvents({
      capacity: eventCapacity,
      clock,
      log,
      pollMs: config.DATABASE_EVENTS_POLL_MS,
    });
    closers.push(() => events.shutdown());
    const queueUrl = config.QUEUE_URL ?? 'embedded:';
    let queue: JobQueue;
    let queueKind: Infra['queueKind'];
    if (queueUrl === 'embedded:') {
      queue = new EmbeddedJobQueue(db, clock, { skipLocked: database.kind !== 'sqlite' });
      queueKind = 'embedded';
    } else if (queueUrl.startsWith('amqp')) {
      const { RabbitJobQueue } = await import('../adapters/queue-rabbitmq/job-queue.rabbitmq.ts');
      queue = await RabbitJobQueue.open({
        url: queueUrl,
        queue: config.QUEUE_NAME ?? 'faceflow.jobs',
        prefetch: Math.max(1, config.WORKER_CONCURRENCY ?? 1),
        maxDeliveries: config.MAX_ATTEMPTS ?? 5,
        log,
      });
      queueKind = 'rabbitmq';
    } else {
      const { NatsJobQueue } = await import('../adapters/queue-nats/job-queue.nats.ts');
      queue = await NatsJobQueue.open({
        url: queueUrl,
        stream: config.QUEUE_NAME ?? 'faceflow-jobs',
        ackWaitMs: config.JOB_LEASE_MS ?? 30_000,
        maxDeliveries: config.MAX_ATTEMPTS ?? 5,
        // as RabbitMQ's prefetch: no job waits in this process while another worker could take it
        prefetch: Math.max(1, config.WORKER_CONCURRENCY ?? 1),
        log,
      });
      queueKind = 'nats';
    }
    closers.push(() => queue.close());
    const { privacy, users, audit, heartbeats, faceGroups, ...stores } = dbStores;
    return {
      stores,
      queue,
      blobs,
      clock,
      privacy,
      users,
      audit,
      events,
      heartbeats,
      faceGroups,
      database: database.kind,
      queueKind,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
