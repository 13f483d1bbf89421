import { expect, it } from 'vitest';
import {
  describeWithStores,
  face,
  MODEL,
  newImage,
  type PhotoStoresContract,
} from './photo-stores.fixture.ts';

/** The ImageLeases contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const imageLeasesContract: PhotoStoresContract = (name, create) => {
  describeWithStores(`ImageLeases contract: ${name}`, create, (ctx) => {
    it('leases a photo to one worker at a time and hands it over when the lease expires', async () => {
      const { image } = await ctx.stores.images.createImage(newImage('bb'), 1000);
      const a = await ctx.stores.leases.claimImage(image.id, 'worker-a', 5000, 1000);
      expect(a?.attempt).toBe(1);
      expect(await ctx.stores.leases.claimImage(image.id, 'worker-b', 5000, 2000)).toBeNull();
      const b = await ctx.stores.leases.claimImage(image.id, 'worker-b', 5000, 7000);
      expect(b?.attempt).toBe(2);
      // the first worker lost its lease: its result is not written
      expect(
        await ctx.stores.leases.completeImage(image.id, 'worker-a', [face(null, null)], MODEL, 7100),
      ).toBe(false);
      expect(
        await ctx.stores.leases.completeImage(image.id, 'worker-b', [face(null, null)], MODEL, 7200),
      ).toBe(true);
      const detail = await ctx.stores.images.getImage(image.id);
      expect(detail?.status).toBe('processed');
      expect(detail?.faces).toHaveLength(1);
    });

    it('schedules retries and keeps the error of a failed photo', async () => {
      const { image } = await ctx.stores.images.createImage(newImage('dd'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      const error = { code: 'engine_failure' as const, message: 'boom', retryable: true };
      expect(await ctx.stores.leases.failImage(image.id, 'w', error, 5000, 1100)).toBe(true);
      expect(await ctx.stores.leases.claimImage(image.id, 'w', 1000, 4000)).toBeNull();
      const again = await ctx.stores.leases.claimImage(image.id, 'w', 1000, 5000);
      expect(again?.attempt).toBe(2);
      await ctx.stores.leases.failImage(image.id, 'w', { ...error, retryable: false }, null, 5100);
      const detail = await ctx.stores.images.getImage(image.id);
      expect(detail?.status).toBe('failed');
      expect(detail?.attempts).toBe(2);
      expect(detail?.lastError).toEqual({ code: 'engine_failure', message: 'boom', retryable: false });
    });

    it('releases a photo at shutdown without counting the attempt', async () => {
      const { image } = await ctx.stores.images.createImage(newImage('ff'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      expect(await ctx.stores.leases.releaseImage(image.id, 'w', 1200)).toBe(true);
      const detail = await ctx.stores.images.getImage(image.id);
      expect(detail?.status).toBe('pending');
      expect(detail?.attempts).toBe(0);
    });

    it('replaces faces when a photo is processed again, never duplicates them', async () => {
      const { image } = await ctx.stores.images.createImage(newImage('cc'), 1000);
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 1000);
      await ctx.stores.leases.completeImage(
        image.id,
        'w',
        [face(null, null, 1), face(null, null, 2)],
        MODEL,
        1100,
      );
      await ctx.fixture.db
        .updateTable('images')
        .set({ status: 'pending' })
        .where('id', '=', image.id)
        .execute();
      await ctx.stores.leases.claimImage(image.id, 'w', 1000, 2000);
      await ctx.stores.leases.completeImage(
        image.id,
        'w',
        [face(null, null, 1), face(null, null, 2)],
        MODEL,
        2100,
      );
      const rows = await ctx.fixture.db
        .selectFrom('faces')
        .select('id')
        .where('image_id', '=', image.id)
        .execute();
      expect(rows).toHaveLength(2);
    });

    it('gives each photo to exactly one of two stores claiming at once', async () => {
      const other = await ctx.fixture.openAnother();
      const ids: string[] = [];
      for (let i = 0; i < 20; i++)
        ids.push(
          (await ctx.stores.images.createImage(newImage(`k${String(i).padStart(2, '0')}`), 1000)).image.id,
        );
      const claims = await Promise.all(
        ids.flatMap((id) => [
          ctx.stores.leases.claimImage(id, 'a', 60_000, 2000).then((c) => (c ? `${id}:a` : null)),
          other.leases.claimImage(id, 'b', 60_000, 2000).then((c) => (c ? `${id}:b` : null)),
        ]),
      );
      const won = claims.filter((c): c is string => c !== null);
      expect(won).toHaveLength(ids.length);
      expect(new Set(won.map((c) => c.split(':')[0]))).toEqual(new Set(ids));
    });
  });
};
