import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import { newId } from '../../core/ids.ts';
import { decodeTraceCarrier, encodeTraceCarrier } from '../../core/trace-context.ts';
import type { Clock } from '../../ports/clock.ts';
import type { JobQueue, OutgoingJob, QueueDepth, ReceivedJob } from '../../ports/job-queue.ts';
import { decodeJobPayload } from '../queue-shared/job-codec.ts';
import type { Database } from '../sql/schema.ts';

/**
 * Durable queue in the `jobs` table of the store's own database (`QUEUE_URL=embedded:`, on SQLite or PostgreSQL).
 * Receiving leases a job (`lease_until`); a job not acked in time is handed out again, so a
 * `kill -9` loses nothing. Several processes may consume one database file.
 */
export class EmbeddedJobQueue implements JobQueue {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** PostgreSQL: concurrent receivers skip rows another one is leasing (SQLite serialises writers instead). */
    private readonly options: { skipLocked?: boolean } = {},
  ) {
    this.emitter.setMaxListeners(0);
  }

  async publish(jobs: OutgoingJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = this.clock.now();
    await this.db
      .insertInto('jobs')
      .values(
        jobs.map((job) => ({
          id: newId('job', now),
          kind: job.payload.kind,
          payload: JSON.stringify(job.payload),
          dedupe_key: job.dedupeKey ?? null,
          priority: job.priority ?? 1,
          available_at: now + (job.delayMs ?? 0),
          lease_owner: null,
          lease_until: null,
          created_at: now,
          trace_context: encodeTraceCarrier(job.trace),
        })),
      )
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .execute();
    this.emitter.emit('available');
  }

  /** Jobs that are due and not leased (or whose lease expired). */
  private readyJobs(now: number) {
    return this.db
      .selectFrom('jobs')
      .select('id')
      .where('available_at', '<=', now)
      .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]));
  }

  async receive(consumer: string, max: number, leaseMs: number): Promise<ReceivedJob[]> {
    if (max <= 0) return [];
    const now = this.clock.now();
    // A read first: idle consumers poll, and an UPDATE takes the database's write lock even when it matches nothing.
    const any = await this.readyJobs(now).limit(1).executeTakeFirst();
    if (!any) return [];
    const rows = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        lease_owner: consumer,
        lease_until: now + leaseMs,
        deliveries: eb('deliveries', '+', 1),
      }))
      .where('id', 'in', () => {
        const ready = this.readyJobs(now)
          .orderBy('priority')
          .orderBy('available_at')
          .orderBy('id')
          .limit(max);
        return this.options.skipLocked ? ready.forUpdate().skipLocked() : ready;
      })
      .returning(['id', 'payload', 'deliveries', 'priority', 'available_at', 'trace_context'])
      .execute();
    rows.sort(
      (a, b) =>
        a.priority - b.priority || Number(a.available_at) - Number(b.available_at) || (a.id < b.id ? -1 : 1),
    );
    const jobs: ReceivedJob[] = [];
    for (const row of rows) {
      const payload = decodeJobPayload(row.payload);
      const trace = decodeTraceCarrier(row.trace_context);
      if (payload)
        jobs.push({ id: row.id, payload, deliveries: row.deliveries, ...(trace ? { trace } : {}) });
      else await this.deadLetter(row.id, consumer, 'undecodable payload');
    }
    return jobs;
  }

  /**
   * The photo rows stay authoritative, so a poison message has nothing worth keeping: it is deleted (the
   * worker has logged why). The brokers' adapters move theirs to a dead-letter queue instead.
   */
  async deadLetter(jobId: string, consumer: string, _reason: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('id', '=', jobId).where('lease_owner', '=', consumer).execute();
  }

  async ack(jobId: string, consumer: string): Promise<void> {
    await this.db.deleteFrom('jobs').where('id', '=', jobId).where('lease_owner', '=', consumer).execute();
  }

  async retry(jobId: string, consumer: string, delayMs: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ lease_owner: null, lease_until: null, available_at: this.clock.now() + Math.max(0, delayMs) })
      .where('id', '=', jobId)
      .where('lease_owner', '=', consumer)
      .execute();
    if (delayMs <= 0) this.emitter.emit('available');
  }

  async extend(jobId: string, consumer: string, leaseMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ lease_until: this.clock.now() + leaseMs })
      .where('id', '=', jobId)
      .where('lease_owner', '=', consumer)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async depth(): Promise<QueueDepth> {
    const now = this.clock.now();
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => [
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(eb.and([eb('lease_until', 'is not', null), eb('lease_until', '>=', now)]))
              .then(1)
              .else(0)
              .end(),
          )
          .as('in_flight'),
        eb.fn
          .sum<number>(
            eb
              .case()
              .when(
                eb.and([
                  eb('available_at', '>', now),
                  eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
                ]),
              )
              .then(1)
              .else(0)
              .end(),
          )
          .as('delayed'),
        eb.fn.countAll<number>().as('total'),
      ])
      .executeTakeFirstOrThrow();
    const inFlight = Number(row.in_flight ?? 0);
    const delayed = Number(row.delayed ?? 0);
    return { ready: Number(row.total) - inFlight - delayed, inFlight, delayed };
  }

  onAvailable(listener: () => void): () => void {
    this.emitter.on('available', listener);
    return () => this.emitter.off('available', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
