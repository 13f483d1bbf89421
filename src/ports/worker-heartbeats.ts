/** What one worker process says about itself every few seconds (a row per process, shared by all). */
export interface WorkerHeartbeat {
  /** The worker's consumer name: unique per process. */
  id: string;
  host: string;
  pid: number;
  /** The CLI role that runs it: `worker` or `all`. */
  role: string;
  /** Engine threads of this process (0 when it calls a remote recognizer). */
  engineThreads: number;
  /** Engine threads (or remote calls) busy now. */
  threadsBusy: number;
  /** Jobs taken from the queue and not yet finished, and how many it may hold at once. */
  jobsInHand: number;
  concurrency: number;
  /** The recognizer circuit breaker's state; null for an in-process engine. */
  breakerState: 'closed' | 'half_open' | 'open' | null;
  startedAt: number;
  lastSeen: number;
  /** How often it beats: a reader counts missed beats against this. */
  intervalMs: number;
}

/** The heartbeat rows, on the shared database (SQLite or PostgreSQL). */
export interface WorkerHeartbeatStore {
  /** Inserts or replaces the row of `heartbeat.id`. */
  beat(heartbeat: WorkerHeartbeat): Promise<void>;
  /** Every row, oldest start first. */
  list(): Promise<WorkerHeartbeat[]>;
  /** Removes a worker's row (it stopped cleanly). */
  remove(id: string): Promise<void>;
  /** Removes the rows last seen before `before`; answers how many. */
  prune(before: number): Promise<number>;
}
