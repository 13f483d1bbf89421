import type { JobQueue, OutgoingJob } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import type { Outbox } from '../ports/outbox.ts';
import { noTracer, type Span, type Tracer } from '../ports/tracer.ts';

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
    private readonly outbox: Outbox,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly tracer: Tracer = noTracer,
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
          const relayed = await this.outbox.relayOutbox(500, (jobs) => this.publish(jobs));
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

  /**
   * Publishes a batch; each job that belongs to a trace gets a producer span (child of the job's carrier)
   * whose context replaces the carrier, so the consumer's span hangs under this publish (docs/adr/0015).
   */
  private async publish(jobs: OutgoingJob[]): Promise<void> {
    const spans: (Span | null)[] = jobs.map((job) =>
      job.trace
        ? this.tracer.startSpan(`${job.payload.kind} publish`, {
            kind: 'producer',
            parent: job.trace,
            attributes: { 'messaging.operation.type': 'send', 'faceflow.job.kind': job.payload.kind },
          })
        : null,
    );
    const sent = jobs.map((job, i) => {
      const carrier = spans[i]?.carrier;
      return carrier ? { ...job, trace: carrier } : job;
    });
    try {
      await this.queue.publish(sent);
    } catch (error) {
      for (const span of spans) span?.end(error);
      throw error;
    }
    for (const span of spans) span?.end();
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
