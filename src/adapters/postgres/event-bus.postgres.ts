import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../ports/clock.ts';
import type { DomainEvent, EventBus, PublishedEvent, Subscription } from '../../ports/event-bus.ts';
import type { Logger } from '../../ports/logger.ts';
import { MemoryEventBus } from '../events-memory/event-bus.memory.ts';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

export interface PostgresEventBusOptions {
  /** A new connection of its own (LISTEN holds it). */
  connect: () => Promise<pg.Client>;
  /** Processes on the same database and channel hear each other; a schema gets its own channel. */
  channel: string;
  capacity: number;
  clock: Clock;
  log: Logger;
}

interface Wire {
  o: string;
  e: DomainEvent;
}

/**
 * Events shared by every process on one database through `LISTEN/NOTIFY`. Each process keeps its own
 * numbered replay buffer (SSE `Last-Event-ID` is per api process): an event published here is delivered
 * at once to local subscribers and sent with `pg_notify`; events from other processes are appended to
 * the local buffer as they arrive. Delivery across processes is at most once (a cut connection loses
 * what was sent meanwhile; clients reload state from the API, which reads the database).
 */
export class PostgresEventBus implements EventBus {
  private readonly local: MemoryEventBus;
  private readonly origin = randomUUID();
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: PostgresEventBusOptions) {
    this.local = new MemoryEventBus(options.capacity, options.clock);
  }

  static async open(options: PostgresEventBusOptions): Promise<PostgresEventBus> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.channel))
      throw new Error(`not a channel name: ${options.channel}`);
    const bus = new PostgresEventBus(options);
    await bus.listen();
    return bus;
  }

  private async listen(): Promise<void> {
    const client = await this.options.connect();
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload) this.receive(message.payload);
    });
    const lost = (why: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => {});
      if (this.closed) return;
      this.options.log.warn({ err: String(why) }, 'event bus lost its database connection; reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost('connection ended'));
    await client.query(`LISTEN ${this.options.channel}`);
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = 250;
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 15_000);
    this.reconnectTimer = setTimeout(() => {
      this.listen().then(
        () => this.options.log.info({}, 'event bus listening again'),
        () => {
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }

  private receive(payload: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch {
      this.options.log.warn({ bytes: payload.length }, 'event bus ignored an undecodable notification');
      return;
    }
    if (wire.o === this.origin || typeof wire.e?.type !== 'string') return;
    this.local.publish(wire.e);
  }

  publish(event: DomainEvent): PublishedEvent {
    const published = this.local.publish(event);
    const payload = JSON.stringify({ o: this.origin, e: event } satisfies Wire);
    const client = this.client;
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
      this.options.log.warn({ type: event.type }, 'event too large to share with other processes');
    else if (!client) this.options.log.warn({ type: event.type }, 'event not shared: no database connection');
    else
      client
        .query('SELECT pg_notify($1, $2)', [this.options.channel, payload])
        .catch((error: unknown) => this.options.log.warn({ err: String(error) }, 'event not shared'));
    return published;
  }

  subscribe(listener: (event: PublishedEvent) => void, afterId?: number): Subscription {
    return this.local.subscribe(listener, afterId);
  }

  close(): void {
    void this.shutdown();
  }

  /** Stops listening and closes the connection. */
  async shutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.local.close();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
