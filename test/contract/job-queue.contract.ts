import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src/ports/job-queue.ts';

export interface JobQueueFixture {
  queue: JobQueue;
  /** Closes the queue and opens it again on the same storage (durability). */
  reopen(): Promise<JobQueue>;
  close(): Promise<void>;
}

/**
 * The JobQueue contract: every adapter (embedded now; RabbitMQ, NATS with the scale-out issue) runs it.
 * `create` gets a clock the suite controls.
 */
export function jobQueueContract(
  name: string,
  create: (clock: { now(): number }) => Promise<JobQueueFixture>,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let now = 1000;
    const clock = { now: () => now };
    let fixture: JobQueueFixture;
    let queue: JobQueue;

    beforeEach(async () => {
      now = 1000;
      fixture = await create(clock);
      queue = fixture.queue;
    });
    afterEach(async () => {
      await fixture.close();
    });

    const job = (imageId: string, priority = 1) => ({
      payload: { kind: 'process_image' as const, imageId },
      dedupeKey: `image:${imageId}`,
      priority,
    });

    it('hands each job to one consumer, in priority then FIFO order', async () => {
      await queue.publish([job('a'), job('b'), { ...job('c', 0), dedupeKey: undefined }]);
      const first = await queue.receive('w1', 2, 5000);
      const second = await queue.receive('w2', 5, 5000);
      expect(first.map((j) => j.payload)).toEqual([
        { kind: 'process_image', imageId: 'c' },
        { kind: 'process_image', imageId: 'a' },
      ]);
      expect(second.map((j) => j.payload)).toEqual([{ kind: 'process_image', imageId: 'b' }]);
      expect(await queue.depth()).toEqual({ ready: 0, inFlight: 3, delayed: 0 });
    });

    it('ignores a job whose dedupe key is already queued', async () => {
      await queue.publish([job('a')]);
      await queue.publish([job('a')]);
      expect((await queue.depth()).ready).toBe(1);
    });

    it('hands a job out again when its lease expires (the consumer died)', async () => {
      await queue.publish([job('a')]);
      const [first] = await queue.receive('dead', 1, 5000);
      now += 4000;
      expect(await queue.receive('w2', 1, 5000)).toEqual([]);
      now += 2000;
      const [again] = await queue.receive('w2', 1, 5000);
      expect(again?.id).toBe(first?.id);
      expect(again?.deliveries).toBe(2);
      // the dead consumer cannot ack a job it no longer holds
      await queue.ack(first?.id as string, 'dead');
      expect((await queue.depth()).inFlight).toBe(1);
      await queue.ack(first?.id as string, 'w2');
      expect(await queue.depth()).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
    });

    it('delays retried jobs and keeps extended leases', async () => {
      await queue.publish([job('a')]);
      const [first] = await queue.receive('w', 1, 1000);
      await queue.retry(first?.id as string, 'w', 3000);
      expect(await queue.depth()).toEqual({ ready: 0, inFlight: 0, delayed: 1 });
      now += 3000;
      const [again] = await queue.receive('w', 1, 1000);
      expect(again?.id).toBe(first?.id);
      now += 900;
      expect(await queue.extend(again?.id as string, 'w', 1000)).toBe(true);
      now += 900;
      expect(await queue.receive('other', 1, 1000)).toEqual([]);
    });

    it('survives closing and reopening the database file (durable)', async () => {
      await queue.publish([job('a'), job('b')]);
      await queue.receive('w', 1, 1000);
      queue = await fixture.reopen();
      now += 2000;
      expect((await queue.receive('w2', 5, 1000)).map((j) => j.payload)).toEqual([
        { kind: 'process_image', imageId: 'a' },
        { kind: 'process_image', imageId: 'b' },
      ]);
    });
  });
}
