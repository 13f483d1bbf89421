import { expect, it } from 'vitest';
import type { OutgoingJob } from '../../src/ports/job-queue.ts';
import { describeWithStores, newImage, type PhotoStoresContract } from './photo-stores.fixture.ts';

/** The Outbox contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const outboxContract: PhotoStoresContract = (name, create, options) => {
  describeWithStores(`Outbox contract: ${name}`, create, (ctx) => {
    it('hands the oldest jobs to publish, deletes them once published, and keeps them when publishing fails', async () => {
      const a = (await ctx.stores.images.createImage(newImage('o1'), 1000)).image;
      const b = (await ctx.stores.images.createImage(newImage('o2'), 1001)).image;
      await expect(
        ctx.stores.outbox.relayOutbox(10, async () => {
          throw new Error('broker down');
        }),
      ).rejects.toThrow('broker down');
      const published: OutgoingJob[] = [];
      const publish = async (jobs: OutgoingJob[]) => {
        published.push(...jobs);
      };
      expect(await ctx.stores.outbox.relayOutbox(1, publish)).toBe(1);
      expect(await ctx.stores.outbox.relayOutbox(10, publish)).toBe(1);
      expect(await ctx.stores.outbox.relayOutbox(10, publish)).toBe(0);
      expect(published.map((j) => j.payload)).toEqual([
        { kind: 'process_image', imageId: a.id, requestId: 'req-1' },
        { kind: 'process_image', imageId: b.id, requestId: 'req-1' },
      ]);
      expect(await ctx.stores.outbox.takeOutbox(10)).toEqual([]);
    });

    it.runIf(options.concurrentTransactions)(
      'relays each outbox job once when two processes relay at the same moment',
      async () => {
        const other = await ctx.fixture.openAnother();
        for (let i = 0; i < 20; i++)
          await ctx.stores.images.createImage(newImage(`r${String(i).padStart(2, '0')}`), 1000);
        const published: string[] = [];
        const slowPublish = async (jobs: OutgoingJob[]) => {
          await new Promise((r) => setTimeout(r, 200));
          for (const job of jobs)
            if (job.payload.kind === 'process_image') published.push(job.payload.imageId);
        };
        const moved = await Promise.all([
          ctx.stores.outbox.relayOutbox(500, slowPublish),
          other.outbox.relayOutbox(500, slowPublish),
        ]);
        expect(moved[0] + moved[1]).toBe(20);
        expect(published).toHaveLength(20);
        expect(new Set(published).size).toBe(20);
        expect(await ctx.stores.outbox.takeOutbox(10)).toEqual([]);
        // a failed publish keeps the rows for the next round
        await ctx.stores.images.createImage(newImage('later'), 2000);
        await expect(
          ctx.stores.outbox.relayOutbox(500, async () => {
            throw new Error('broker down');
          }),
        ).rejects.toThrow('broker down');
        expect(await other.outbox.relayOutbox(500, slowPublish)).toBe(1);
      },
    );
  });
};
