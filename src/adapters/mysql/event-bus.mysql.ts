import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Clock } from '../../ports/clock.ts';
import type { DomainEvent, EventBus, PublishedEvent, Subscription } from '../../ports/event-bus.ts';
import type { Logger } from '../../ports/logger.ts';
import { MemoryEventBus } from '../events-memory/event-bus.memory.ts';
import type { Database } from '../sql/schema.ts';

export interface MysqlEventBusOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the events table is the bus's own, outside the stores' schema
  db: Kysely<Database> | Kysely<any>;
  /** How often the table is read for other processes' events (the latency across processes). */
  pollMs: number;
  /** Rows older than this are deleted (events are hints; the database's rows stay authoritative). */
  retentionMs?: number;
  capacity: number;
  clock: Clock;
  log: Logger;
}

interface EventRow {
  id: number;
  origin: string;
  payload: string;
  created_at: number;
}

/** A hole in the ids is waited for this long: an insert that took its id earlier may still commit. */
const GAP_WAIT_MS = 2000;
const BATCH = 500;

/**
 * Events shared by every process on one MySQL/MariaDB database, which has no LISTEN/NOTIFY: each event
 * is a row of `faceflow_events` (auto-increment id), and each process reads the rows after its cursor
 * every `pollMs`. Like the PostgreSQL bus, each process keeps its own numbered replay buffer, delivers its
 * own events at once and appends the others' as they are read. A missing id (an insert not yet committed)
 * holds the cursor back for up to two seconds, so an event committed out of order is not skipped. Rows
 * are deleted after `retentionMs`; a process that was away longer misses what was pruned, as a cut
 * LISTEN connection would (clients re-read state from the API).
 */
export class MysqlEventBus implements EventBus {
  private readonly local: MemoryEventBus;
  private readonly origin = randomUUID();
  private cursor = 0;
  private gapSince: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | null = null;
  private lastPrune = 0;
  private closed = false;
  private failing = false;
  /** Inserts, one after another: the rows keep this process's publishing order. */
  private sending: Promise<void> = Promise.resolve();

  private constructor(private readonly options: MysqlEventBusOptions) {
    this.local = new MemoryEventBus(options.capacity, options.clock);
  }

  static async open(options: MysqlEventBusOptions): Promise<MysqlEventBus> {
    const bus = new MysqlEventBus(options);
    await sql`create table if not exists faceflow_events (
        id bigint not null auto_increment primary key,
        origin varchar(64) not null,
        payload mediumtext not null,
        created_at bigint not null,
        index faceflow_events_created (created_at)
      )`.execute(options.db);
    const row = await sql<{ last: number | null }>`select max(id) as last from faceflow_events`.execute(
      options.db,
    );
    bus.cursor = Number(row.rows[0]?.last ?? 0);
    bus.schedule();
    return bus;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = null;
        this.schedule();
      });
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Reads the rows after the cursor and delivers the other processes' events; prunes old rows now and then. */
  async poll(): Promise<void> {
    try {
      const { rows } = await sql<EventRow>`
        select id, origin, payload, created_at from faceflow_events
        where id > ${this.cursor} order by id limit ${BATCH}`.execute(this.options.db);
      for (const row of rows) {
        const id = Number(row.id);
        if (id !== this.cursor + 1 && !this.gapElapsed()) break;
        this.gapSince = null;
        this.cursor = id;
        if (row.origin !== this.origin) this.deliver(row.payload);
      }
      await this.prune();
      if (this.failing) this.options.log.info({}, 'event bus reads its table again');
      this.failing = false;
    } catch (error) {
      if (!this.failing)
        this.options.log.warn({ err: String(error) }, 'event bus cannot read its table; retrying');
      this.failing = true;
    }
  }

  private gapElapsed(): boolean {
    const now = this.options.clock.now();
    if (this.gapSince === null) this.gapSince = now;
    return now - this.gapSince >= GAP_WAIT_MS;
  }

  private async prune(): Promise<void> {
    const now = this.options.clock.now();
    const retention = this.options.retentionMs ?? 60_000;
    if (now - this.lastPrune < retention / 2) return;
    this.lastPrune = now;
    await sql`delete from faceflow_events where created_at < ${now - retention} limit 10000`.execute(
      this.options.db,
    );
  }

  private deliver(payload: string): void {
    let event: DomainEvent;
    try {
      event = JSON.parse(payload) as DomainEvent;
    } catch {
      this.options.log.warn({ bytes: payload.length }, 'event bus ignored an undecodable row');
      return;
    }
    if (typeof event?.type === 'string') this.local.publish(event);
  }

  publish(event: DomainEvent): PublishedEvent {
    const published = this.local.publish(event);
    const insert = sql`insert into faceflow_events (origin, payload, created_at)
        values (${this.origin}, ${JSON.stringify(event)}, ${this.options.clock.now()})`;
    this.sending = this.sending.then(() =>
      insert.execute(this.options.db).then(
        () => {},
        (error: unknown) => this.options.log.warn({ err: String(error) }, 'event not shared'),
      ),
    );
    return published;
  }

  subscribe(listener: (event: PublishedEvent) => void, afterId?: number): Subscription {
    return this.local.subscribe(listener, afterId);
  }

  close(): void {
    void this.shutdown();
  }

  /** Stops polling once the events in flight are written (the database connection belongs to the stores). */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.sending;
    await this.polling;
    this.local.close();
  }
}
