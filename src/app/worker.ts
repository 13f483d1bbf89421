import type { Availability } from '../ports/face-engine.ts';
import type { JobQueue, ReceivedJob } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import { noTracer, type Tracer } from '../ports/tracer.ts';

/** What a job handler tells the worker to do with the message. */
export type JobDisposition =
  | { kind: 'ack' }
  | { kind: 'retry'; delayMs: number }
  /**
   * Not the message's fault (the recogniser is down): publish it again as a new message due in
   * `delayMs`, whose delivery count starts over, and ack this one. Waiting out an outage never
   * dead-letters a job.
   */
  | { kind: 'postpone'; delayMs: number }
  /** A poison message: out of circulation for good, with a log line. */
  | { kind: 'dead'; reason: string };

export interface JobHandler {
  handle(job: ReceivedJob, consumer: string): Promise<JobDisposition>;
  /** Called periodically while a job is in hand, to keep its leases alive. */
  heartbeat?(job: ReceivedJob, consumer: string): Promise<void>;
  /** Called at shutdown for a job that could not finish in time: give it back untouched. */
  release?(job: ReceivedJob, consumer: string): Promise<void>;
}

export interface WorkerOptions {
  queue: JobQueue;
  handler: JobHandler;
  log: Logger;
  /** Unique per process and worker (lease owner). */
  consumer: string;
  concurrency: number;
  leaseMs: number;
  /** How often to look for work when idle (other processes may publish). */
  pollMs?: number;
  /**
   * What every job needs (the remote recognizer). While it is unavailable the worker receives nothing:
   * jobs would only be claimed and handed back with a delay, over and over, until it returns.
   */
  dependency?: Availability;
  /** Told once per transition when the worker pauses for `dependency` (true) and resumes (false). */
  onPausedChange?: (paused: boolean) => void;
  /** Each job is handled in a consumer span, child of the trace context it was published with. */
  tracer?: Tracer;
}

/**
 * Consumes the queue with up to `concurrency` jobs in hand. `stop()` stops taking jobs, waits for
 * those in hand up to a deadline, then gives the rest back (released, not failed).
 */
export class QueueWorker {
  private running = false;
  private readonly inHand = new Map<string, { job: ReceivedJob; done: Promise<void> }>();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private pausedNow = false;
  /** Settles when `dependency` says it is available again; renewed while it still is not. */
  private resumeSignal: Promise<void> | null = null;

  constructor(private readonly options: WorkerOptions) {}

  get busy(): number {
    return this.inHand.size;
  }

  /** True while no job is taken because `dependency` is unavailable. */
  get paused(): boolean {
    return this.pausedNow;
  }

  start(): void {
    if (this.running || this.options.concurrency <= 0) return;
    this.running = true;
    this.unsubscribe = this.options.queue.onAvailable(() => this.wake?.());
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const { queue, consumer, concurrency, leaseMs, log } = this.options;
    const pollMs = this.options.pollMs ?? 200;
    while (this.running) {
      const outage = this.dependencyOutage();
      if (outage) {
        await this.sleepUntil(outage);
        // Woken, or told "back" while still not: look again in a while, never in a tight loop.
        if (this.options.dependency?.available() === false) await this.sleep(pollMs);
        continue;
      }
      const free = concurrency - this.inHand.size;
      let received: ReceivedJob[] = [];
      if (free > 0) {
        try {
          received = await queue.receive(consumer, free, leaseMs);
        } catch (error) {
          log.error({ err: String(error) }, 'receiving jobs failed');
        }
      }
      for (const job of received) this.dispatch(job);
      if (received.length === 0 || this.inHand.size >= concurrency) await this.sleep(pollMs);
    }
  }

  /**
   * Pauses (once per outage: one log line, one callback) while `dependency` is unavailable, resumes
   * when it is back. Jobs in hand are left to finish; they come back with the handler's delay.
   * Returns what settles when the dependency may be back, or null while it is available.
   */
  private dependencyOutage(): Promise<void> | null {
    const { dependency, log, consumer, onPausedChange } = this.options;
    if (!dependency) return null;
    const available = dependency.available();
    if (!available && !this.pausedNow) {
      this.pausedNow = true;
      log.warn({ consumer, jobsInHand: this.inHand.size }, `paused: ${dependency.name} unavailable`);
      this.options.queue.pause?.();
      onPausedChange?.(true);
    } else if (available && this.pausedNow) {
      this.pausedNow = false;
      log.info({ consumer }, `resumed: ${dependency.name} available`);
      this.options.queue.resume?.();
      onPausedChange?.(false);
    }
    if (available) return null;
    this.resumeSignal ??= dependency.whenAvailable().finally(() => {
      this.resumeSignal = null;
    });
    return this.resumeSignal;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  /** Until `until` settles or `wake()` (a job finished, jobs published, stop). */
  private sleepUntil(until: Promise<void> | null): Promise<void> {
    return new Promise((resolve) => {
      const self = this;
      function done() {
        if (self.wake === done) self.wake = null;
        resolve();
      }
      this.wake = done;
      until?.then(done, done);
    });
  }

  private dispatch(job: ReceivedJob): void {
    const { queue, handler, consumer, leaseMs, log } = this.options;
    const heartbeat = setInterval(
      () => {
        queue.extend(job.id, consumer, leaseMs).catch(() => {});
        handler.heartbeat?.(job, consumer).catch(() => {});
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    const done = (async () => {
      try {
        const disposition = await this.handleTraced(job);
        if (disposition.kind === 'ack') await queue.ack(job.id, consumer);
        else if (disposition.kind === 'dead') {
          log.warn(
            { jobId: job.id, kind: job.payload.kind, reason: disposition.reason },
            'job dead-lettered',
          );
          await queue.deadLetter(job.id, consumer, disposition.reason);
        } else if (disposition.kind === 'postpone') {
          await queue.publish([
            {
              payload: job.payload,
              delayMs: disposition.delayMs,
              ...(job.trace ? { trace: job.trace } : {}),
            },
          ]);
          await queue.ack(job.id, consumer);
        } else await queue.retry(job.id, consumer, disposition.delayMs);
      } catch (error) {
        log.error(
          { jobId: job.id, kind: job.payload.kind, err: String(error) },
          'job handler crashed; retrying later',
        );
        await queue.retry(job.id, consumer, 1000).catch(() => {});
      } finally {
        clearInterval(heartbeat);
        this.inHand.delete(job.id);
        this.wake?.();
      }
    })();
    this.inHand.set(job.id, { job, done });
  }

  /** The handler's work, in a consumer span (its logs carry the trace ids). */
  private handleTraced(job: ReceivedJob): Promise<JobDisposition> {
    const { handler, consumer, tracer = noTracer } = this.options;
    return tracer.inSpan(
      `${job.payload.kind} process`,
      {
        kind: 'consumer',
        parent: job.trace ?? null,
        attributes: {
          'messaging.operation.type': 'process',
          'faceflow.job.kind': job.payload.kind,
          'faceflow.job.deliveries': job.deliveries,
        },
      },
      () => handler.handle(job, consumer),
    );
  }

  /** Stops taking jobs; waits up to `drainMs` for the ones in hand, then releases the rest. */
  async stop(drainMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    const pending = [...this.inHand.values()];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), drainMs);
    });
    const outcome = await Promise.race([
      Promise.all(pending.map((p) => p.done)).then(() => 'done' as const),
      deadline,
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const { handler, queue, consumer, log } = this.options;
      for (const { job } of this.inHand.values()) {
        log.warn({ jobId: job.id }, 'releasing a job still in hand at shutdown');
        await handler.release?.(job, consumer).catch(() => {});
        await queue.retry(job.id, consumer, 0).catch(() => {});
      }
    }
  }
}
