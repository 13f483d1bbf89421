import type { Clock } from '../ports/clock.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { Logger } from '../ports/logger.ts';
import type { WorkerHeartbeat, WorkerHeartbeatStore } from '../ports/worker-heartbeats.ts';

/** A worker whose row missed this many beats is shown as gone. */
export const MISSED_BEATS_GONE = 3;
/** Rows gone for longer than this are deleted by the next beat of any worker. */
const FORGET_AFTER_MS = 60 * 60_000;

export type WorkerLiveness = 'alive' | 'gone';

/** `gone` once `MISSED_BEATS_GONE` beats are overdue (a killed process never removes its row). */
export function livenessOf(
  heartbeat: Pick<WorkerHeartbeat, 'lastSeen' | 'intervalMs'>,
  now: number,
): WorkerLiveness {
  return now - heartbeat.lastSeen > MISSED_BEATS_GONE * heartbeat.intervalMs ? 'gone' : 'alive';
}

export type HeartbeatIdentity = Pick<WorkerHeartbeat, 'id' | 'host' | 'pid' | 'role'>;
export type HeartbeatSample = Pick<
  WorkerHeartbeat,
  'engineThreads' | 'threadsBusy' | 'jobsInHand' | 'concurrency' | 'breakerState'
>;

export interface HeartbeatWriterOptions {
  store: WorkerHeartbeatStore;
  clock: Clock;
  log: Logger;
  identity: HeartbeatIdentity;
  intervalMs: number;
  /** What the worker is doing now; read at every beat. */
  sample: () => HeartbeatSample;
}

/**
 * Writes this worker's heartbeat row every `intervalMs` (first beat at start), prunes rows of workers
 * gone for an hour, and removes its own row at a clean stop. A failed beat is logged, never fatal.
 */
export class HeartbeatWriter {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private readonly startedAt: number;

  constructor(private readonly options: HeartbeatWriterOptions) {
    this.startedAt = options.clock.now();
  }

  /** One beat now. */
  async beat(): Promise<void> {
    const { store, clock, identity, intervalMs, sample } = this.options;
    const now = clock.now();
    await store.beat({ ...identity, ...sample(), startedAt: this.startedAt, lastSeen: now, intervalMs });
    await store.prune(now - FORGET_AFTER_MS);
  }

  private beatLogged(): Promise<void> {
    this.beating = this.beating
      .then(() => this.beat())
      .catch((error) => this.options.log.warn({ err: String(error) }, 'writing the worker heartbeat failed'));
    return this.beating;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.beatLogged(), this.options.intervalMs);
    this.timer.unref();
    await this.beatLogged();
  }

  /** Stops beating and removes the row: a worker that left is not a worker that died. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    await this.options.store
      .remove(this.options.identity.id)
      .catch((error) =>
        this.options.log.warn({ err: String(error) }, 'removing the worker heartbeat failed'),
      );
  }
}

/** The sample of a worker process: its engine's threads and breaker, the jobs it holds. */
export function workerSample(
  engine: FaceEngine,
  jobsInHand: () => number,
  concurrency: number,
): HeartbeatSample {
  const stats = engine.stats();
  return {
    engineThreads: stats.threads,
    threadsBusy: stats.busy,
    jobsInHand: jobsInHand(),
    concurrency,
    breakerState: engine.breakerState?.() ?? null,
  };
}
