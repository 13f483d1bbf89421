import { join } from 'node:path';
import type { OutboxRelay } from '../../app/outbox-relay.ts';
import { redeemOnce } from '../../app/redeem.ts';
import { purgeExpiredAverageJobs, purgeExpiredPhotos } from '../../app/retention.ts';
import type { RedeemerConfig } from '../../config/roles.config.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { Lifecycle } from './lifecycle.ts';

export type MaintenanceConfig = Pick<
  RedeemerConfig,
  'DATA_DIR' | 'REDEEM_STALE_MS' | 'REDEEM_INTERVAL_MS' | 'RETENTION_DAYS'
>;

export interface MaintenanceParts {
  config: MaintenanceConfig;
  infra: Infrastructure;
  averages: AverageJobStore | null;
  relay: OutboxRelay;
  log: Logger;
  /** Also give photos that failed after transient errors a new round (`redeemer --retry-failed`). */
  retryFailed?: boolean;
}

/**
 * One pass of the redeemer: stuck photos queued again (their jobs published at once), then photos and
 * average jobs older than RETENTION_DAYS deleted. Resolves with the number of photos queued again.
 */
export async function maintenancePass(parts: MaintenanceParts): Promise<number> {
  const { config, infra, log } = parts;
  const ids = await redeemOnce({
    stores: infra.stores,
    clock: infra.clock,
    log,
    staleMs: config.REDEEM_STALE_MS,
    retryFailed: parts.retryFailed,
  });
  await parts.relay.drain();
  await purgeExpiredPhotos({ ...infra, log, retentionDays: config.RETENTION_DAYS });
  await purgeExpiredAverageJobs({
    ...infra,
    averages: parts.averages,
    uploadDir: join(config.DATA_DIR, 'imports'),
    log,
    retentionDays: config.RETENTION_DAYS,
  });
  return ids.length;
}

/**
 * The redeemer inside `all`: a pass now, then one every REDEEM_INTERVAL_MS until `lifecycle` stops; a
 * failed pass is logged and the next one tries again.
 */
export async function startMaintenance(lifecycle: Lifecycle, parts: MaintenanceParts): Promise<void> {
  const pass = () =>
    maintenancePass(parts).catch((error) => parts.log.error({ err: String(error) }, 'redeemer pass failed'));
  await pass();
  const timer = setInterval(pass, parts.config.REDEEM_INTERVAL_MS);
  timer.unref();
  lifecycle.defer('redeemer', () => clearInterval(timer));
}
