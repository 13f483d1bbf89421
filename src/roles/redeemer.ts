import { OutboxRelay } from '../app/outbox-relay.ts';
import type { RedeemerConfig } from '../config/roles.config.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import { openInfrastructure } from './wiring/infrastructure.ts';
import { Lifecycle } from './wiring/lifecycle.ts';
import { maintenancePass } from './wiring/maintenance.ts';
import { openAverageStore } from './wiring/stores.ts';

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
  const lifecycle = new Lifecycle(logger);
  try {
    const infra = lifecycle.adopt('infrastructure', await openInfrastructure(config), (i) => i.close());
    const { averages } = lifecycle.adopt('average store', await openAverageStore(config), (a) => a.close());
    const relay = new OutboxRelay(infra.stores.outbox, infra.queue, logger, tracer);
    const pass = () =>
      maintenancePass({ config, infra, averages, relay, log: logger, retryFailed: options.retryFailed });
    let total = await pass();
    const signal = options.signal;
    while (!options.once && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.REDEEM_INTERVAL_MS);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (!signal?.aborted) total += await pass();
    }
    return total;
  } finally {
    await lifecycle.close();
  }
}
