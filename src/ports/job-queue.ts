import type { TraceCarrier } from '../core/trace-context.ts';

/** Work carried by the queue. The database stays authoritative: a message only says "look at this". */
export type JobPayload =
  | { kind: 'process_image'; imageId: string; requestId?: string }
  | { kind: 'reidentify'; reason: 'enroll' | 'delete' | 'assign'; personId: string; requestId?: string }
  /** One chunk of a dataset average job (issue 6); queued behind photo jobs (lower priority). */
  | { kind: 'average_chunk'; jobId: string; chunk: number };

export interface OutgoingJob {
  payload: JobPayload;
  /** While a job with this key is queued or in hand, publishing another one with it is a no-op. */
  dedupeKey?: string;
  delayMs?: number;
  /** Lower runs first. */
  priority?: number;
  /**
   * The trace the job belongs to (W3C `traceparent`/`tracestate`), carried beside the payload: in a
   * message's headers on a broker, in its row on the embedded queue (docs/adr/0015).
   */
  trace?: TraceCarrier;
}

export interface ReceivedJob {
  id: string;
  payload: JobPayload;
  /** How many times this message was handed out, this time included. */
  deliveries: number;
  /** The carrier it was published with, when it had one and it was well-formed. */
  trace?: TraceCarrier;
}

export interface QueueDepth {
  ready: number;
  inFlight: number;
  delayed: number;
}

/**
 * A durable at-least-once work queue. A received job is leased to `consumer` for `leaseMs`:
 * unless acked or retried in time, it is handed out again (a crashed consumer loses nothing).
 * Brokers keep leases their own way (RabbitMQ: until the channel closes; NATS: the consumer's ack-wait,
 * renewed by `extend`); the photo's lease in the database stays the authority on who works on it.
 * A message that cannot be decoded never reaches a consumer: adapters dead-letter it themselves.
 */
export interface JobQueue {
  publish(jobs: OutgoingJob[]): Promise<void>;
  receive(consumer: string, max: number, leaseMs: number): Promise<ReceivedJob[]>;
  /** Done with it, for good. */
  ack(jobId: string, consumer: string): Promise<void>;
  /** Hand it out again after `delayMs` (0: at once). */
  retry(jobId: string, consumer: string, delayMs: number): Promise<void>;
  /**
   * Takes a poison message (undecodable, naming an unknown photo) out of circulation for good: it goes
   * where an operator can look at it (a dead-letter queue), never back to a consumer.
   */
  deadLetter(jobId: string, consumer: string, reason: string): Promise<void>;
  /** Extends the lease of a job still in hand; false when the lease was lost. */
  extend(jobId: string, consumer: string, leaseMs: number): Promise<boolean>;
  depth(): Promise<QueueDepth>;
  /**
   * The consumer will receive nothing for a while (its worker paused: the recognizer is down). A broker
   * that pulls ahead stops pulling, and keeps what it holds from timing out meanwhile, so a pause never
   * turns into redeliveries. Absent: nothing to do. `resume` undoes it.
   */
  pause?(): void;
  resume?(): void;
  /** Calls `listener` when jobs may have become available (in-process hint; consumers poll too). */
  onAvailable(listener: () => void): () => void;
  close(): Promise<void>;
}
