import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';

export interface RedeemDeps {
  stores: Pick<PhotoStores, 'recovery'>;
  clock: Clock;
  log: Logger;
  /** A pending photo due for longer than this, with no worker on it, is queued again. */
  staleMs: number;
  batchSize?: number;
  /** Also give photos that failed after transient errors a new round of attempts (`redeemer --retry-failed`). */
  retryFailed?: boolean;
}

/**
 * One pass of the redeemer: re-queues photos that are stuck (pending and overdue — their message was
 * lost — or processing with an expired lease — their worker died) and retryable failures that are due.
 */
export async function redeemOnce(deps: RedeemDeps): Promise<string[]> {
  const ids = await deps.stores.recovery.requeueStuck(deps.clock.now(), deps.staleMs, deps.batchSize ?? 1000);
  if (ids.length > 0) deps.log.info({ photos: ids.length }, 'redeemer re-queued stuck photos');
  if (!deps.retryFailed) return ids;
  const failed = await deps.stores.recovery.requeueFailedRetryable(deps.clock.now(), deps.batchSize ?? 1000);
  if (failed.length > 0) deps.log.info({ photos: failed.length }, 'redeemer gave failed photos a new round');
  return [...ids, ...failed];
}
