import { EmbeddedJobQueue } from '../../adapters/queue-embedded/job-queue.embedded.ts';
import type { WorkerConfig } from '../../config/roles.config.ts';
import type { Clock } from '../../ports/clock.ts';
import type { JobQueue } from '../../ports/job-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import type { DatabaseHandle } from './stores.ts';

/** What shapes the queue; roles that take no jobs (api, redeemer) leave the worker keys out. */
export type QueueConfig = Partial<
  Pick<WorkerConfig, 'QUEUE_URL' | 'QUEUE_NAME' | 'MAX_ATTEMPTS' | 'JOB_LEASE_MS' | 'WORKER_CONCURRENCY'>
>;

export type QueueKind = 'embedded' | 'rabbitmq' | 'nats';

/** The queue QUEUE_URL names: `embedded:` (a table in `database`), `amqp://…` (RabbitMQ) or `nats://…`. */
export async function openQueue(
  config: QueueConfig,
  database: DatabaseHandle,
  clock: Clock,
  log: Logger,
): Promise<{ queue: JobQueue; kind: QueueKind }> {
  const url = config.QUEUE_URL ?? 'embedded:';
  // As RabbitMQ's prefetch: no job waits in this process while another worker could take it.
  const prefetch = Math.max(1, config.WORKER_CONCURRENCY ?? 1);
  const maxDeliveries = config.MAX_ATTEMPTS ?? 5;
  if (url === 'embedded:') {
    const skipLocked = database.kind !== 'sqlite';
    return { queue: new EmbeddedJobQueue(database.db, clock, { skipLocked }), kind: 'embedded' };
  }
  if (url.startsWith('amqp')) {
    const { RabbitJobQueue } = await import('../../adapters/queue-rabbitmq/job-queue.rabbitmq.ts');
    const queue = await RabbitJobQueue.open({
      url,
      queue: config.QUEUE_NAME ?? 'faceflow.jobs',
      prefetch,
      maxDeliveries,
      log,
    });
    return { queue, kind: 'rabbitmq' };
  }
  const { NatsJobQueue } = await import('../../adapters/queue-nats/job-queue.nats.ts');
  const queue = await NatsJobQueue.open({
    url,
    stream: config.QUEUE_NAME ?? 'faceflow-jobs',
    ackWaitMs: config.JOB_LEASE_MS ?? 30_000,
    maxDeliveries,
    prefetch,
    log,
  });
  return { queue, kind: 'nats' };
}
