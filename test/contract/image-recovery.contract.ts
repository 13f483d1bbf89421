import { expect, it } from 'vitest';
import { describeWithStores, newImage, type PhotoStoresContract } from './photo-stores.fixture.ts';

/** The ImageRecovery contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const imageRecoveryContract: PhotoStoresContract = (name, create) => {
  describeWithStores(`ImageRecovery contract: ${name}`, create, (ctx) => {
    it('requeues photos whose worker died and pending photos whose message was lost', async () => {
      const a = (await ctx.stores.images.createImage(newImage('e1'), 1000)).image;
      const b = (await ctx.stores.images.createImage(newImage('e2'), 1000)).image;
      const c = (await ctx.stores.images.createImage(newImage('e3'), 1000)).image;
      await ctx.stores.outbox.deleteOutbox((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.id));
      await ctx.stores.leases.claimImage(a.id, 'dead', 1000, 1000); // lease expires at 2000
      await ctx.stores.leases.claimImage(c.id, 'alive', 100_000, 1000);
      const ids = await ctx.stores.recovery.requeueStuck(70_000, 60_000, 10);
      expect(ids.sort()).toEqual([a.id, b.id].sort());
      expect((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.job.payload)).toHaveLength(2);
      // b is due again from now on: not requeued a second time right away
      expect(await ctx.stores.recovery.requeueStuck(70_001, 60_000, 10)).toEqual([a.id]);
    });

    it('gives photos that failed after transient errors a new round, not permanent failures', async () => {
      const transient = (await ctx.stores.images.createImage(newImage('r1'), 1000)).image;
      const permanent = (await ctx.stores.images.createImage(newImage('r2'), 1000)).image;
      for (const [image, retryable] of [
        [transient, true],
        [permanent, false],
      ] as const) {
        await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
        await ctx.stores.leases.failImage(
          image.id,
          'w',
          { code: 'engine_failure', message: 'x', retryable },
          null,
          1100,
        );
      }
      await ctx.stores.outbox.deleteOutbox((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.id));
      expect(await ctx.stores.recovery.requeueFailedRetryable(2000, 10)).toEqual([transient.id]);
      const again = await ctx.stores.images.getImage(transient.id);
      expect([again?.status, again?.attempts]).toEqual(['pending', 0]);
      expect((await ctx.stores.images.getImage(permanent.id))?.status).toBe('failed');
      expect((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.job.payload)).toMatchObject([
        { imageId: transient.id },
      ]);
    });

    it('gives one failed photo a fresh round when a person asks, and only a failed one', async () => {
      const { image } = await ctx.stores.images.createImage(newImage('t1'), 1000);
      expect(await ctx.stores.recovery.retryFailedImage(image.id, 1100)).toBe('not_failed');
      expect(await ctx.stores.recovery.retryFailedImage('img_missing', 1100)).toBe('not_found');
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      const error = { code: 'engine_failure' as const, message: 'x', retryable: false };
      await ctx.stores.leases.failImage(image.id, 'w', error, null, 1100);
      await ctx.stores.outbox.deleteOutbox((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.id));
      expect(await ctx.stores.recovery.retryFailedImage(image.id, 1200)).toBe('queued');
      const again = await ctx.stores.images.getImage(image.id);
      expect([again?.status, again?.attempts]).toEqual(['pending', 0]);
      expect((await ctx.stores.outbox.takeOutbox(10)).map((o) => o.job.payload)).toEqual([
        { kind: 'process_image', imageId: image.id, requestId: 'req-1' },
      ]);
    });
  });
};
