import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createLogger } from '../observability/logger.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { type InfraConfig, openInfra } from './infra.ts';

/**
 * The adapters every role shares, chosen by URL (see `openInfra`): SQLite + embedded queue by default,
 * PostgreSQL with `DATABASE_URL=postgres://…`, RabbitMQ or NATS JetStream with `QUEUE_URL`.
 */
export function openEmbedded(config: InfraConfig & { LOG_LEVEL?: string }, clock: Clock = systemClock) {
  return openInfra(config, createLogger(config.LOG_LEVEL ?? 'info', 'infra'), clock);
}

/** A lease owner name unique to this process. */
export function consumerName(role: string): string {
  return `${role}:${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
