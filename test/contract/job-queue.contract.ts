import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobQueue, OutgoingJob, ReceivedJob } from '../../src/ports/job-queue.ts';

export interface JobQueueFixture {
  queue: JobQueue;
  /** Another client of the same queue, as another process would have (closed by `close`). */
  open(): Promise<JobQueue>;
  /** Lets `ms` pass: the embedded queue's clock moves; with a broker, time really passes. */
  advance(ms: number): Promise<void>;
  /** Ends a client as a crash would: nothing acked, nothing handed back. */
  kill(queue: JobQueue): Promise<void>;
  /** Puts bytes on the queue that are not a job (a poison message). */
  publishRaw(bytes: Buffer): Promise<void>;
  /** Payloads that reached the dead-letter queue, when the adapter keeps one. */
  deadLettered?(): Promise<string[]>;
  /** Cuts every connection of `queue` to its server mid-run (an in-test TCP proxy), then lets traffic through again. */
  cutConnections?(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueTraits {
  /** Lower `priority` is handed out first (the brokers keep plain FIFO: see ADR 0004). */
  priorities: boolean;
  /** A second publish with a queued dedupe key is dropped (the brokers rely on the photo's claim instead). */
  dedupe: boolean;
  /** How long a received job stays with a consumer that neither acks nor extends it. */
  leaseMs: number;
}

const job = (imageId: string, priority = 1): OutgoingJob => ({
  payload: { kind: 'process_image', imageId },
  dedupeKey: `image:${imageId}`,
  priority,
});

/** Receives until `count` jobs came (or `timeoutMs` passed): brokers push asynchronously. */
export async function receiveN(
  queue: JobQueue,
  consumer: string,
  count: number,
  leaseMs: number,
  timeoutMs = 5000,
): Promise<ReceivedJob[]> {
  const got: ReceivedJob[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    got.push(...(await queue.receive(consumer, count - got.length, leaseMs)));
    if (got.length < count) await new Promise((r) => setTimeout(r, 20));
  }
  return got;
}

const ids = (jobs: ReceivedJob[]) =>
  jobs.map((j) => (j.payload.kind === 'process_image' ? j.payload.imageId : '?'));

/** The JobQueue contract: the embedded queue, RabbitMQ and NATS JetStream run it. */
export function jobQueueContract(
  name: string,
  traits: QueueTraits,
  create: () => Promise<JobQueueFixture>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let fixture: JobQueueFixture;
    let queue: JobQueue;
    const lease = traits.leaseMs;

    beforeEach(async () => {
      fixture = await create();
      queue = fixture.queue;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('hands each job to one consumer, first in first out', async () => {
      await queue.publish([job('a'), job('b'), job('c')]);
      const first = await receiveN(queue, 'w1', 2, lease);
      const second = await receiveN(queue, 'w2', 5, lease, 300);
      expect(ids(first)).toEqual(['a', 'b']);
      expect(ids(second)).toEqual(['c']);
      expect(first.every((j) => j.deliveries === 1)).toBe(true);
      for (const j of [...first, ...second]) await queue.ack(j.id, j === second[0] ? 'w2' : 'w1');
      expect(await receiveN(queue, 'w3', 1, lease, 300)).toEqual([]);
      expect((await queue.depth()).ready).toBe(0);
    });

    it.runIf(traits.priorities)('hands out lower priority numbers first', async () => {
      await queue.publish([job('a'), job('b'), job('c', 0)]);
      expect(ids(await receiveN(queue, 'w', 3, lease))).toEqual(['c', 'a', 'b']);
    });

    it.runIf(traits.dedupe)('ignores a job whose dedupe key is already queued', async () => {
      await queue.publish([job('a')]);
      await queue.publish([job('a')]);
      expect((await queue.depth()).ready).toBe(1);
    });

    it('hands a job out again when its consumer dies without acking', async () => {
      const doomed = await fixture.open();
      await queue.publish([job('a')]);
      const [first] = await receiveN(doomed, 'dead', 1, lease);
      expect(first?.deliveries).toBe(1);
      await fixture.kill(doomed);
      const [again] = await receiveN(queue, 'w2', 1, lease, lease + 5000);
      expect(again?.payload).toEqual(first?.payload);
      expect(again?.deliveries).toBe(2);
      await queue.ack(again?.id as string, 'w2');
      expect(await receiveN(queue, 'w3', 1, lease, 300)).toEqual([]);
    });

    it('delays a retried job, counts its deliveries, and keeps an extended job in hand', async () => {
      await queue.publish([job('a')]);
      const [first] = await receiveN(queue, 'w', 1, lease);
      await queue.retry(first?.id as string, 'w', 600);
      await fixture.advance(100);
      expect(await queue.receive('w', 1, lease)).toEqual([]);
      await fixture.advance(600);
      const [again] = await receiveN(queue, 'w', 1, lease, 5000);
      expect(again?.payload).toEqual(first?.payload);
      expect(again?.deliveries).toBe(2);
      const other = await fixture.open();
      for (let i = 0; i < 3; i++) {
        await fixture.advance(lease / 2);
        expect(await queue.extend(again?.id as string, 'w', lease)).toBe(true);
      }
      expect(await other.receive('other', 1, lease)).toEqual([]);
      await queue.ack(again?.id as string, 'w');
    });

    it('carries the trace context (W3C headers) of each job to the consumer, also through a delayed retry', async () => {
      const traced = {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'vendor=opaque',
      };
      const malformed = { traceparent: 'not-a-traceparent', extra: 'dropped' };
      await queue.publish([
        { ...job('traced'), trace: traced },
        { ...job('bad'), trace: malformed },
        job('plain'),
      ]);
      const got = await receiveN(queue, 'w', 3, lease);
      const byId = new Map(got.map((j) => [ids([j])[0], j]));
      expect(byId.get('traced')?.trace).toEqual(traced);
      expect(byId.get('bad')?.trace).toBeUndefined();
      expect(byId.get('plain')?.trace).toBeUndefined();
      const first = byId.get('traced') as ReceivedJob;
      for (const j of got) if (j !== first) await queue.ack(j.id, 'w');
      await queue.retry(first.id, 'w', 300);
      await fixture.advance(400);
      const [again] = await receiveN(queue, 'w', 1, lease, 5000);
      expect(again?.trace).toEqual(traced);
      await queue.ack(again?.id as string, 'w');
    });

    it('holds a job published with a delay until its time, and its first delivery counts as one', async () => {
      // How a worker postpones a photo while the recognizer is down: a fresh message, due later.
      await queue.publish([{ ...job('later'), delayMs: 600 }]);
      await fixture.advance(100);
      expect(await queue.receive('w', 1, lease)).toEqual([]);
      await fixture.advance(600);
      const [due] = await receiveN(queue, 'w', 1, lease, 5000);
      expect(ids(due ? [due] : [])).toEqual(['later']);
      expect(due?.deliveries).toBe(1);
      await queue.ack(due?.id as string, 'w');
    });

    it('keeps jobs when every client closes (durable)', async () => {
      await queue.publish([job('a'), job('b')]);
      await queue.close();
      queue = await fixture.open();
      expect(ids(await receiveN(queue, 'w2', 2, lease))).toEqual(['a', 'b']);
    });

    it('dead-letters poison messages: garbage bytes and jobs a handler rejects, never redelivered', async () => {
      await fixture.publishRaw(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
      await queue.publish([job('unknown-image'), job('fine')]);
      const got = await receiveN(queue, 'w', 2, lease);
      expect(ids(got)).toEqual(['unknown-image', 'fine']);
      await queue.deadLetter(got[0]?.id as string, 'w', 'unknown image');
      await queue.ack(got[1]?.id as string, 'w');
      await fixture.advance(lease + 100);
      expect(await receiveN(queue, 'w', 1, lease, 500)).toEqual([]);
      if (fixture.deadLettered) {
        const dead = await fixture.deadLettered();
        expect(dead).toHaveLength(2);
        expect(dead.some((d) => d.includes('unknown-image'))).toBe(true);
      }
    });

    it('never gives one job to two consumers working at once', async () => {
      const other = await fixture.open();
      const total = 40;
      await queue.publish(Array.from({ length: total }, (_, i) => job(`j${i}`)));
      const seen: string[] = [];
      const consume = async (q: JobQueue, name: string) => {
        const deadline = Date.now() + 10_000;
        while (seen.length < total && Date.now() < deadline) {
          const got = await q.receive(name, 3, lease);
          for (const j of got) {
            seen.push(ids([j])[0] as string);
            await new Promise((r) => setTimeout(r, 2));
            await q.ack(j.id, name);
          }
          if (got.length === 0) await new Promise((r) => setTimeout(r, 10));
        }
      };
      await Promise.all([consume(queue, 'a'), consume(other, 'b')]);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
    });

    it('reconnects after its connections are cut and loses nothing', async (ctx) => {
      if (!fixture.cutConnections) {
        ctx.skip();
        return;
      }
      await queue.publish([job('before')]);
      const [held] = await receiveN(queue, 'w', 1, lease);
      expect(held).toBeDefined();
      await fixture.cutConnections();
      // The job in hand at the cut comes back (its ack went nowhere), and publishing works again.
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          await queue.publish([job('after')]);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      // at least once: the job in hand at the cut may come back more than once until it is acked
      const seen = new Set<string>();
      const until = Date.now() + 20_000;
      while (seen.size < 2 && Date.now() < until) {
        for (const j of await receiveN(queue, 'w', 1, lease, 500)) {
          seen.add(ids([j])[0] as string);
          await queue.ack(j.id, 'w');
        }
      }
      expect([...seen].sort()).toEqual(['after', 'before']);
    });
  });
}
