import type { OutgoingJob } from './job-queue.ts';

export interface OutboxEntry {
  id: string;
  job: OutgoingJob;
}

/** Jobs written in the same transaction as the change that needs them, waiting to reach the queue. */
export interface Outbox {
  takeOutbox(limit: number): Promise<OutboxEntry[]>;
  deleteOutbox(ids: string[]): Promise<void>;
  /**
   * Hands up to `limit` outbox jobs to `publish` and deletes them once it resolved; resolves to how many.
   * Rows another relay is publishing at that moment are skipped (PostgreSQL: row locks), so the relays of
   * several processes never publish one job twice; a crash before the delete publishes it again, never
   * zero times.
   */
  relayOutbox(limit: number, publish: (jobs: OutgoingJob[]) => Promise<void>): Promise<number>;
}
