import { EventEmitter } from 'node:events';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { JobPayload, JobQueue, OutgoingJob, QueueDepth, ReceivedJob } from '../../ports/job-queue.ts';
import type { Logger } from '../../ports/logger.ts';
import { decodeJobPayload, encodeJobPayload } from '../queue-shared/job-codec.ts';
import { keptTraceHeaders, traceFromHeaders, traceHeaders } from '../queue-shared/trace-headers.ts';

export interface NatsQueueOptions {
  /** `nats://host:4222` (several comma-separated servers allowed) */
  url: string;
  /** The work-queue stream; jobs go to `<stream>.jobs`, poison messages to the stream `<stream>-dead`. */
  stream: string;
  /** The durable pull consumer shared by every worker. */
  consumer?: string;
  /** Ack-wait: a job neither acked nor marked in progress for this long is delivered again. */
  ackWaitMs: number;
  /** Deliveries (first one included) after which a job is dead-lettered instead of handed out again. */
  maxDeliveries: number;
  /** Messages pulled ahead (the worker's concurrency). */
  prefetch?: number;
  log: Logger;
}

const REASON_HEADER = 'Faceflow-Dead-Reason';
/** Epoch milliseconds before which a delayed job is not handed out (JetStream has no delayed publish). */
const NOT_BEFORE_HEADER = 'Faceflow-Not-Before';

interface Held {
  msg: JsMsg;
  payload: JobPayload;
  consumer: string;
  deliveries: number;
}

/**
 * JobQueue on NATS JetStream (`QUEUE_URL=nats://…`): a file-backed work-queue stream (a message is gone
 * once acked), one durable pull consumer with explicit acks, `ack_wait` = the job lease (renewed by
 * `extend` with in-progress acks), delayed retries by `nak(delay)`, and `max_deliver` above
 * `maxDeliveries` so the adapter itself moves a job to the dead stream on its last delivery. A job
 * published with a delay carries a not-before time: arriving early it is nak'd until then, and that early
 * arrival is not counted as a delivery. At most `prefetch` jobs wait in this process (pulled, not yet
 * handed out), so none sits out its ack-wait here while others could take it. The client reconnects
 * forever; the pull consumer resumes after a reconnect.
 */
export class NatsJobQueue implements JobQueue {
  private readonly emitter = new EventEmitter();
  private readonly buffer: Held[] = [];
  private readonly held = new Map<string, Held>();
  private messages: ConsumerMessages | null = null;
  private closed = false;
  /** While paused: marks the jobs pulled ahead in progress, so they wait here without being redelivered. */
  private keepAlive: NodeJS.Timeout | undefined;
  private sequence = 0;

  private constructor(
    private readonly options: NatsQueueOptions,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
  ) {
    this.emitter.setMaxListeners(0);
  }

  private get subject(): string {
    return `${this.options.stream}.jobs`;
  }

  private get deadSubject(): string {
    return `${this.options.stream}.dead`;
  }

  private get durable(): string {
    return this.options.consumer ?? 'faceflow-worker';
  }

  static async open(options: NatsQueueOptions): Promise<NatsJobQueue> {
    const nc = await connect({
      servers: options.url.split(','),
      name: 'faceflow',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: false,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const queue = new NatsJobQueue(options, nc, jetstream(nc), jsm);
      await queue.declare();
      queue.watchStatus();
      return queue;
    } catch (error) {
      await nc.close().catch(() => {});
      throw error;
    }
  }

  /** Creates the streams and the consumer, or leaves them as they are (idempotent). */
  private async declare(): Promise<void> {
    const { stream, ackWaitMs, maxDeliveries } = this.options;
    await this.ensureStream({
      name: stream,
      subjects: [this.subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    await this.ensureStream({
      name: `${stream}-dead`,
      subjects: [this.deadSubject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    });
    const config = {
      durable_name: this.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ackWaitMs * 1_000_000,
      // one more for the delivery on which the adapter dead-letters, one for a delayed job's early arrival
      max_deliver: maxDeliveries + 2,
      filter_subject: this.subject,
    };
    try {
      await this.jsm.consumers.info(stream, this.durable);
      await this.jsm.consumers.update(stream, this.durable, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
      });
    } catch {
      await this.jsm.consumers.add(stream, config);
    }
  }

  private async ensureStream(config: {
    name: string;
    subjects: string[];
    retention: RetentionPolicy;
    storage: StorageType;
  }): Promise<void> {
    try {
      await this.jsm.streams.info(config.name);
    } catch {
      await this.jsm.streams.add(config);
    }
  }

  private watchStatus(): void {
    const { log } = this.options;
    (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect')
          log.warn({ server: status.server }, 'NATS connection lost; reconnecting');
        else if (status.type === 'reconnect') log.info({ server: status.server }, 'NATS connection restored');
      }
    })().catch(() => {});
  }

  async publish(jobs: OutgoingJob[]): Promise<void> {
    if (jobs.length === 0) return;
    // every publish waits for the stream's acknowledgement (it is stored) before the outbox row goes
    await Promise.all(jobs.map((job) => this.publishOne(job)));
  }

  private async publishOne(job: OutgoingJob): Promise<void> {
    const delay = job.delayMs ?? 0;
    let h: ReturnType<typeof headers> | undefined;
    const set = (name: string, value: string) => {
      h ??= headers();
      h.set(name, value);
    };
    if (delay > 0) set(NOT_BEFORE_HEADER, String(Date.now() + delay));
    for (const [name, value] of Object.entries(traceHeaders(job.trace))) set(name, value);
    await this.js.publish(this.subject, encodeJobPayload(job.payload), { timeout: 5000, headers: h });
  }

  private get prefetch(): number {
    return Math.max(1, this.options.prefetch ?? 8);
  }

  /** Starts pulling on first use: a process that only publishes (the api) never consumes. */
  private async startConsuming(): Promise<void> {
    const consumer = await this.js.consumers.get(this.options.stream, this.durable);
    const messages = await consumer.consume({ max_messages: this.prefetch, expires: 5000 });
    this.messages = messages;
    (async () => {
      for await (const msg of messages) {
        this.arrived(msg);
        // Pull no further than `prefetch` ahead of the worker: the iterator asks the server for more
        // only as it is read. Once stopped by `pause`, it pulls nothing more: what it still has goes
        // to the buffer at once, where the pause keeps it alive.
        while (this.buffer.length >= this.prefetch && !this.closed && this.messages === messages)
          await new Promise((resolve) => this.emitter.once('taken', resolve));
      }
    })().catch((error) => {
      if (!this.closed) this.options.log.warn({ err: String(error) }, 'NATS consumer stopped');
      this.messages = null;
    });
  }

  private arrived(msg: JsMsg): void {
    const payload = decodeJobPayload(msg.data);
    if (!payload) {
      this.options.log.warn(
        { stream: this.options.stream, bytes: msg.data.length },
        'undecodable message dead-lettered',
      );
      void this.moveToDead(msg, 'undecodable payload').catch(() => {});
      return;
    }
    const notBefore = Number(msg.headers?.get(NOT_BEFORE_HEADER) || 0);
    const early = notBefore - Date.now();
    if (early > 0) {
      msg.nak(early);
      return;
    }
    const deliveries = NatsJobQueue.deliveries(msg, notBefore > 0);
    if (deliveries > this.options.maxDeliveries) {
      this.options.log.warn(
        { stream: this.options.stream, deliveries },
        'job delivered too often; dead-lettered',
      );
      void this.moveToDead(msg, `delivered ${deliveries} times`).catch(() => {});
      return;
    }
    this.buffer.push({ msg, payload, consumer: '', deliveries });
    this.emitter.emit('available');
  }

  /** Deliveries that counted: a delayed job's early arrival (nak'd until its time) does not. */
  private static deliveries(msg: JsMsg, delayed: boolean): number {
    return Math.max(1, msg.info.deliveryCount - (delayed ? 1 : 0));
  }

  private async moveToDead(msg: JsMsg, reason: string): Promise<void> {
    const h = headers();
    h.set(REASON_HEADER, reason.slice(0, 500));
    const kept = keptTraceHeaders((name) => msg.headers?.get(name) || undefined);
    for (const [name, value] of Object.entries(kept)) h.set(name, value);
    await this.js.publish(this.deadSubject, msg.data, { headers: h, timeout: 5000 });
    // stored in the dead stream: now gone from the work queue (acked, and confirmed by the server)
    await msg.ackAck();
  }

  async receive(consumer: string, max: number, _leaseMs: number): Promise<ReceivedJob[]> {
    if (max <= 0) return [];
    if (!this.messages && !this.closed) await this.startConsuming();
    const jobs: ReceivedJob[] = [];
    while (jobs.length < max && this.buffer.length > 0) {
      const h = this.buffer.shift() as Held;
      h.consumer = consumer;
      const id = `${h.msg.info.streamSequence}:${++this.sequence}`;
      this.held.set(id, h);
      const trace = traceFromHeaders((name) => h.msg.headers?.get(name) || undefined);
      jobs.push({ id, payload: h.payload, deliveries: h.deliveries, ...trace });
    }
    if (jobs.length > 0) this.emitter.emit('taken');
    return jobs;
  }

  private take(jobId: string, consumer: string): Held | null {
    const h = this.held.get(jobId);
    if (!h || h.consumer !== consumer) return null;
    this.held.delete(jobId);
    return h;
  }

  async ack(jobId: string, consumer: string): Promise<void> {
    const h = this.take(jobId, consumer);
    if (h) await h.msg.ackAck().catch(() => false);
  }

  async retry(jobId: string, consumer: string, delayMs: number): Promise<void> {
    const h = this.take(jobId, consumer);
    if (!h) return;
    if (h.deliveries >= this.options.maxDeliveries)
      await this.moveToDead(h.msg, `delivered ${h.deliveries} times`);
    else h.msg.nak(Math.max(0, delayMs));
  }

  async deadLetter(jobId: string, consumer: string, reason: string): Promise<void> {
    const h = this.take(jobId, consumer);
    if (h) await this.moveToDead(h.msg, reason);
  }

  /** Marks the job in progress: the server restarts its ack-wait. */
  async extend(jobId: string, consumer: string, _leaseMs: number): Promise<boolean> {
    const h = this.held.get(jobId);
    if (!h || h.consumer !== consumer || this.nc.isClosed()) return false;
    h.msg.working();
    return true;
  }

  async depth(): Promise<QueueDepth> {
    const info = await this.jsm.consumers.info(this.options.stream, this.durable);
    return { ready: info.num_pending, inFlight: info.num_ack_pending, delayed: 0 };
  }

  /**
   * Stops pulling (the client would otherwise keep pulling ahead into its own buffer, where jobs sit out
   * their ack-wait and come back with a delivery counted each time) and keeps the jobs already pulled
   * alive until `resume`. The next `receive` starts pulling again.
   */
  pause(): void {
    if (this.keepAlive || this.closed) return;
    const messages = this.messages;
    this.messages = null;
    messages?.stop();
    this.emitter.emit('taken'); // the reading loop stops waiting for room: its messages go to the buffer
    this.keepAlive = setInterval(
      () => {
        for (const h of this.buffer) h.msg.working();
      },
      Math.max(100, Math.floor(this.options.ackWaitMs / 3)),
    );
    this.keepAlive.unref();
  }

  resume(): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  onAvailable(listener: () => void): () => void {
    this.emitter.on('available', listener);
    return () => this.emitter.off('available', listener);
  }

  /** Drops the connection without acking anything, as a crashed process would (tests). */
  async abandon(): Promise<void> {
    this.closed = true;
    this.resume();
    this.emitter.emit('taken');
    this.buffer.length = 0;
    this.held.clear();
    await this.nc.close().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.resume();
    this.emitter.emit('taken');
    this.emitter.removeAllListeners();
    this.messages?.stop();
    // jobs pulled ahead and never handed out: give them back at once instead of after ack-wait
    for (const h of this.buffer.splice(0)) h.msg.nak();
    await this.nc.drain().catch(() => {});
  }
}
