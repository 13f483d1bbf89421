import { join } from 'node:path';
import { OutboxRelay } from '../app/outbox-relay.ts';
import { redeemOnce } from '../app/redeem.ts';
import { purgeExpiredAverageJobs, purgeExpiredPhotos } from '../app/retention.ts';
import type { RedeemerConfig } from '../config/roles.config.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import { openAverageStore } from './average-store.ts';
import { openEmbedded } from './embedded.ts';

/**
 * `faceflow redeemer`: re-queues stuck and due photos every REDEEM_INTERVAL_MS (or once, with `once`),
 * and deletes unidentified photos older than RETENTION_DAYS when that is set.
 * Resolves when `signal` aborts (or after the single pass).
 */
export async function runRedeemer(
  config: RedeemerConfig,
  options: { once?: boolean; retryFailed?: boolean; signal?: AbortSignal; tracing?: Tracing } = {},
) {
  const { tracer, logFields } = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'redeemer', logDestination(config.LOG_FORMAT), logFields);
  const infra = await openEmbedded(config);
  const averageStore = await openAverageStore(config).catch(async (error: unknown) => {
    await infra.close();
    throw error;
  });
  const relay = new OutboxRelay(infra.stores.outbox, infra.queue, logger, tracer);
  const pass = async () => {
    const ids = await redeemOnce({
      stores: infra.stores,
      clock: infra.clock,
      log: logger,
      staleMs: config.REDEEM_STALE_MS,
      retryFailed: options.retryFailed,
    });
    await relay.drain();
    await purgeExpiredPhotos({ ...infra, log: logger, retentionDays: config.RETENTION_DAYS });
    await purgeExpiredAverageJobs({
      ...infra,
      averages: averageStore.averages,
      uploadDir: join(config.DATA_DIR, 'imports'),
      log: logger,
      retentionDays: config.RETENTION_DAYS,
    });
    return ids.length;
  };
  let total = 0;
  try {
    total += await pass();
    if (!options.once) {
      const signal = options.signal;
      while (!signal?.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.REDEEM_INTERVAL_MS);
          signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (!signal?.aborted) total += await pass();
      }
    }
  } finally {
    await averageStore.close();
    await infra.close();
  }
  return total;
}
