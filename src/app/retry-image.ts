import { AppError } from '../core/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { publishImageEvent } from './image-events.ts';

export interface RetryImageDeps {
  stores: Pick<PhotoStores, 'recovery' | 'images'>;
  events: EventBus;
  clock: Clock;
  /** Drains the outbox at once (the same nudge ingest uses). */
  afterIngest?: () => void;
}

/** Puts a failed photo back to `pending` with a fresh round of attempts (the photo page's Retry button). */
export async function retryImage(deps: RetryImageDeps, id: string): Promise<void> {
  const outcome = await deps.stores.recovery.retryFailedImage(id, deps.clock.now());
  if (outcome === 'not_found') throw new AppError('not_found', `no photo with id ${id}`);
  if (outcome === 'not_failed')
    throw new AppError('conflict', `photo ${id} has not failed, so there is nothing to retry`);
  deps.afterIngest?.();
  await publishImageEvent(deps.stores.images, deps.events, id);
}
