import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newImage, type PhotoStoresFixture, type PhotoStoresOptions } from './photo-stores.fixture.ts';

/** The ImageRecovery contract: every SQL database (SQLite, PostgreSQL) runs it. */
export function imageRecoveryContract(
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  _options: PhotoStoresOptions,
): void {
  describe(`ImageRecovery contract: ${name}`, () => {
    let fixture: PhotoStoresFixture;
    let stores: PhotoStoresFixture['stores'];

    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('requeues photos whose worker died and pending photos whose message was lost', async () => {
      const a = (await stores.images.createImage(newImage('e1'), 1000)).image;
      const b = (await stores.images.createImage(newImage('e2'), 1000)).image;
      const c = (await stores.images.createImage(newImage('e3'), 1000)).image;
      await stores.outbox.deleteOutbox((await stores.outbox.takeOutbox(10)).map((o) => o.id));
      await stores.leases.claimImage(a.id, 'dead', 1000, 1000); // lease expires at 2000
      await stores.leases.claimImage(c.id, 'alive', 100_000, 1000);
      const ids = await stores.recovery.requeueStuck(70_000, 60_000, 10);
      expect(ids.sort()).toEqual([a.id, b.id].sort());
      expect((await stores.outbox.takeOutbox(10)).map((o) => o.job.payload)).toHaveLength(2);
      // b is due again from now on: not requeued a second time right away
      expect(await stores.recovery.requeueStuck(70_001, 60_000, 10)).toEqual([a.id]);
    });

    it('gives photos that failed after transient errors a new round, not permanent failures', async () => {
      const transient = (await stores.images.createImage(newImage('r1'), 1000)).image;
      const permanent = (await stores.images.createImage(newImage('r2'), 1000)).image;
      for (const [image, retryable] of [
        [transient, true],
        [permanent, false],
      ] as const) {
        await stores.leases.claimImage(image.id, 'w', 1000, 1000);
        await stores.leases.failImage(
          image.id,
          'w',
          { code: 'engine_failure', message: 'x', retryable },
          null,
          1100,
        );
      }
      await stores.outbox.deleteOutbox((await stores.outbox.takeOutbox(10)).map((o) => o.id));
      expect(await stores.recovery.requeueFailedRetryable(2000, 10)).toEqual([transient.id]);
      const again = await stores.images.getImage(transient.id);
      expect([again?.status, again?.attempts]).toEqual(['pending', 0]);
      expect((await stores.images.getImage(permanent.id))?.status).toBe('failed');
      expect((await stores.outbox.takeOutbox(10)).map((o) => o.job.payload)).toMatchObject([
        { imageId: transient.id },
      ]);
    });
  });
}
