import { EventEmitter } from 'node:events';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { JobQueue, OutgoingJob, QueueDepth, ReceivedJob } from '../../ports/job-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { decodeJobPayload, encodeJobPayload } from '../queue-shared/job-codec.ts';
import { keptTraceHeaders, traceFromHeaders, traceHeaders } from '../queue-shared/trace-headers.ts';

export interface RabbitQueueOptions {
  /** `amqp://user:pass@host:5672/vhost` */
  url: string;
  /** The work queue (a durable quorum queue); `<queue>.dead` and `<queue>.delay.<ms>` sit beside it. */
  queue: string;
  /** Unacknowledged messages the broker sends ahead: the worker's concurrency. */
  prefetch: number;
  /** Deliveries (first one included) after which a message is dead-lettered instead of handed out again. */
  maxDeliveries: number;
  log: Logger;
  /** First and longest wait between reconnect attempts. */
  reconnectMs?: { min: number; max: number };
}

/** Header carrying the deliveries a message had before it was re-published for a delayed retry. */
const DELIVERIES_HEADER = 'x-faceflow-deliveries';
const REASON_HEADER = 'x-faceflow-dead-reason';
/** Delays are served by TTL queues whose expired messages dead-letter back into the work queue. */
const MIN_DELAY_BUCKET_MS = 256;
const MAX_DELAY_BUCKET_MS = 2 ** 20;

interface Held {
  message: ConsumeMessage;
  consumer: string;
  deliveries: number;
  /** The connection generation it arrived on: after a reconnect it can no longer be acked. */
  generation: number;
}

interface Live {
  model: ChannelModel;
  publish: ConfirmChannel;
  consume: Channel | null;
  generation: number;
}

/**
 * JobQueue on RabbitMQ (`QUEUE_URL=amqp://…`): a durable quorum queue, persistent messages published
 * with confirms, manual acks (the worker acks after the result is committed), prefetch = concurrency, a
 * dead-letter exchange for poison messages and for messages redelivered `maxDeliveries` times
 * (`x-delivery-limit`). RabbitMQ has no delayed delivery: a delayed retry is re-published to a TTL queue
 * that dead-letters into the work queue when the time is up, then the original is acked.
 * The connection is re-established with exponential backoff; messages unacked at a cut go back to the queue
 * (the broker does that), so a cut delays work and loses none.
 */
export class RabbitJobQueue implements JobQueue {
  private live: Live | null = null;
  private connecting: Promise<Live> | null = null;
  private generation = 0;
  private closed = false;
  private consuming = false;
  private readonly buffer: Held[] = [];
  private readonly held = new Map<string, Held>();
  private readonly emitter = new EventEmitter();
  private readonly delayQueues = new Set<string>();
  private reconnectTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  private constructor(private readonly options: RabbitQueueOptions) {
    this.emitter.setMaxListeners(0);
  }

  /** Connects and declares the topology (idempotent); fails when the broker cannot be reached now. */
  static async open(options: RabbitQueueOptions): Promise<RabbitJobQueue> {
    const queue = new RabbitJobQueue(options);
    await queue.connection();
    return queue;
  }

  private get deadExchange(): string {
    return `${this.options.queue}.dlx`;
  }

  private get deadQueue(): string {
    return `${this.options.queue}.dead`;
  }

  private connection(): Promise<Live> {
    if (this.closed) return Promise.reject(new Error('queue closed'));
    if (this.live) return Promise.resolve(this.live);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<Live> {
    const { log, queue, maxDeliveries } = this.options;
    const model = await amqp.connect(this.options.url, { clientProperties: { connection_name: 'faceflow' } });
    try {
      const publish = await model.createConfirmChannel();
      await publish.assertExchange(this.deadExchange, 'direct', { durable: true });
      await publish.assertQueue(this.deadQueue, { durable: true });
      await publish.bindQueue(this.deadQueue, this.deadExchange, queue);
      await publish.assertQueue(queue, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-dead-letter-exchange': this.deadExchange,
          'x-dead-letter-routing-key': queue,
          'x-delivery-limit': maxDeliveries,
        },
      });
      const generation = ++this.generation;
      const live: Live = { model, publish, consume: null, generation };
      const lost = (error?: unknown) => this.lost(live, error);
      model.on('close', lost);
      model.on('error', (error: unknown) => log.warn({ err: String(error) }, 'RabbitMQ connection error'));
      publish.on('error', (error: unknown) => log.warn({ err: String(error) }, 'RabbitMQ channel error'));
      this.live = live;
      this.delayQueues.clear();
      if (this.failures > 0) log.info({ queue }, 'RabbitMQ connection restored');
      this.failures = 0;
      if (this.consuming) await this.startConsuming(live);
      return live;
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
  }

  /** The connection went away: what was in hand comes back from the broker; reconnect with backoff. */
  private lost(live: Live, error?: unknown): void {
    if (this.live !== live) return;
    this.live = null;
    this.buffer.length = 0;
    for (const [id, h] of this.held) if (h.generation === live.generation) this.held.delete(id);
    if (this.closed) return;
    this.options.log.warn(
      { err: error ? String(error) : undefined },
      'RabbitMQ connection lost; reconnecting',
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const { min, max } = this.options.reconnectMs ?? { min: 250, max: 10_000 };
    const delay = Math.min(max, min * 2 ** Math.min(this.failures, 16)) * (0.75 + Math.random() * 0.5);
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connection().catch((error) => {
        this.options.log.warn({ err: String(error), attempt: this.failures }, 'RabbitMQ reconnect failed');
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  private async startConsuming(live: Live): Promise<void> {
    const channel = await live.model.createChannel();
    channel.on('error', (error: unknown) =>
      this.options.log.warn({ err: String(error) }, 'RabbitMQ consumer channel error'),
    );
    await channel.prefetch(this.options.prefetch);
    live.consume = channel;
    await channel.consume(this.options.queue, (message) => {
      if (message) this.arrived(live, channel, message);
    });
  }

  private arrived(live: Live, channel: Channel, message: ConsumeMessage): void {
    const headers = message.properties.headers ?? {};
    const carried = Number(headers[DELIVERIES_HEADER] ?? 0) || 0;
    const redeliveries = Number(headers['x-delivery-count'] ?? (message.fields.redelivered ? 1 : 0)) || 0;
    const deliveries = carried + redeliveries + 1;
    const payload = decodeJobPayload(message.content);
    if (!payload) {
      this.options.log.warn(
        { queue: this.options.queue, bytes: message.content.length },
        'undecodable message dead-lettered',
      );
      // reject without requeue: the queue's dead-letter exchange takes it
      channel.nack(message, false, false);
      return;
    }
    this.buffer.push({ message, consumer: '', deliveries, generation: live.generation });
    this.emitter.emit('available');
  }

  private static jobId(h: Held): string {
    return `${h.generation}:${h.message.fields.deliveryTag}`;
  }

  async publish(jobs: OutgoingJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const live = await this.connection();
    for (const job of jobs) {
      const delay = job.delayMs ?? 0;
      const target = delay > 0 ? await this.delayQueue(live, delay) : this.options.queue;
      live.publish.sendToQueue(target, encodeJobPayload(job.payload), {
        persistent: true,
        contentType: 'application/json',
        headers: traceHeaders(job.trace),
      });
    }
    await live.publish.waitForConfirms();
  }

  /** The TTL queue for `delayMs` rounded up to a power of two (declared on first use, gone when idle). */
  private async delayQueue(live: Live, delayMs: number): Promise<string> {
    const ms = Math.min(
      MAX_DELAY_BUCKET_MS,
      Math.max(MIN_DELAY_BUCKET_MS, 2 ** Math.ceil(Math.log2(Math.max(1, delayMs)))),
    );
    const name = `${this.options.queue}.delay.${ms}`;
    if (!this.delayQueues.has(name)) {
      await live.publish.assertQueue(name, {
        durable: true,
        arguments: {
          'x-message-ttl': ms,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': this.options.queue,
          'x-expires': ms + 10 * 60_000,
        },
      });
      this.delayQueues.add(name);
    }
    return name;
  }

  async receive(consumer: string, max: number, _leaseMs: number): Promise<ReceivedJob[]> {
    if (max <= 0) return [];
    if (!this.consuming) {
      this.consuming = true;
      const live = await this.connection();
      if (!live.consume) await this.startConsuming(live);
    }
    const jobs: ReceivedJob[] = [];
    while (jobs.length < max && this.buffer.length > 0) {
      const h = this.buffer.shift() as Held;
      h.consumer = consumer;
      const id = RabbitJobQueue.jobId(h);
      this.held.set(id, h);
      const payload = decodeJobPayload(h.message.content);
      const trace = traceFromHeaders((name) => h.message.properties.headers?.[name]);
      if (payload) jobs.push({ id, payload, deliveries: h.deliveries, ...trace });
    }
    return jobs;
  }

  /** The message `jobId` when `consumer` holds it on the live connection. */
  private holding(jobId: string, consumer: string): { h: Held; live: Live; channel: Channel } | null {
    const h = this.held.get(jobId);
    const live = this.live;
    if (!h || h.consumer !== consumer || !live || !live.consume || h.generation !== live.generation)
      return null;
    return { h, live, channel: live.consume };
  }

  async ack(jobId: string, consumer: string): Promise<void> {
    const found = this.holding(jobId, consumer);
    if (!found) return; // lost with its connection: the broker hands it out again
    this.held.delete(jobId);
    found.channel.ack(found.h.message);
  }

  async retry(jobId: string, consumer: string, delayMs: number): Promise<void> {
    const found = this.holding(jobId, consumer);
    if (!found) return;
    const { h, live, channel } = found;
    if (h.deliveries >= this.options.maxDeliveries) {
      await this.deadLetter(jobId, consumer, `delivered ${h.deliveries} times`);
      return;
    }
    const target = delayMs > 0 ? await this.delayQueue(live, delayMs) : this.options.queue;
    live.publish.sendToQueue(target, h.message.content, {
      persistent: true,
      contentType: 'application/json',
      headers: {
        ...keptTraceHeaders((name) => h.message.properties.headers?.[name]),
        [DELIVERIES_HEADER]: h.deliveries,
      },
    });
    await live.publish.waitForConfirms();
    this.held.delete(jobId);
    channel.ack(h.message);
  }

  async deadLetter(jobId: string, consumer: string, reason: string): Promise<void> {
    const found = this.holding(jobId, consumer);
    if (!found) return;
    const { h, live, channel } = found;
    live.publish.publish(this.deadExchange, this.options.queue, h.message.content, {
      persistent: true,
      contentType: 'application/json',
      headers: {
        ...keptTraceHeaders((name) => h.message.properties.headers?.[name]),
        [REASON_HEADER]: reason.slice(0, 500),
        [DELIVERIES_HEADER]: h.deliveries,
      },
    });
    await live.publish.waitForConfirms();
    this.held.delete(jobId);
    channel.ack(h.message);
  }

  /** RabbitMQ keeps an unacked message with its consumer until the channel closes: the lease holds while connected. */
  async extend(jobId: string, consumer: string, _leaseMs: number): Promise<boolean> {
    return this.holding(jobId, consumer) !== null;
  }

  async depth(): Promise<QueueDepth> {
    const live = await this.connection();
    const info = await live.publish.checkQueue(this.options.queue);
    return { ready: info.messageCount, inFlight: this.held.size + this.buffer.length, delayed: 0 };
  }

  onAvailable(listener: () => void): () => void {
    this.emitter.on('available', listener);
    return () => this.emitter.off('available', listener);
  }

  /** Drops the connection without closing anything, as a crashed process would (tests). */
  abandon(): void {
    this.closed = true;
    const live = this.live;
    this.live = null;
    const stream = (live?.model as unknown as { connection?: { stream?: { destroy(): void } } })?.connection
      ?.stream;
    stream?.destroy();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.emitter.removeAllListeners();
    const live = this.live;
    this.live = null;
    await this.connecting?.catch(() => {});
    if (live) await live.model.close().catch(() => {});
  }
}
