import type { ImageStore } from '../ports/image-store.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';

/**
 * Moves jobs from the store's outbox (written in the same transaction as the change) to the queue.
 * Publishing before deleting means a crash in between publishes twice, never zero times; the queue's
 * dedupe keys and the idempotent claim make the duplicate harmless.
 */
export class OutboxRelay {
  private draining: Promise<number> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ImageStore,
    private readonly queue: JobQueue,
    private readonly log: Logger,
  ) {}

  /** Drains now (coalescing concurrent calls); resolves to the number of jobs moved. */
  drain(): Promise<number> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      let moved = 0;
      do {
        this.again = false;
        for (;;) {
          const relayed = await this.store.relayOutbox(500, (jobs) => this.queue.publish(jobs));
          if (relayed === 0) break;
          moved += relayed;
        }
      } while (this.again);
      return moved;
    })().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private pendingNudge: NodeJS.Timeout | null = null;

  /**
   * Asks for a drain within a few milliseconds (nudges in between share one drain, so a burst of
   * uploads moves its jobs in a few batches instead of one round trip each); never throws.
   */
  nudge(): void {
    if (this.pendingNudge) return;
    this.pendingNudge = setTimeout(() => {
      this.pendingNudge = null;
      this.drain().catch((error) => this.log.error({ err: String(error) }, 'outbox relay failed'));
    }, 5);
  }

  /** Also drains every `intervalMs`, for rows written by other processes. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.nudge(), intervalMs);
    this.timer.unref();
    this.nudge();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.pendingNudge) clearTimeout(this.pendingNudge);
    this.timer = null;
    this.pendingNudge = null;
    await this.draining?.catch(() => {});
  }
}
