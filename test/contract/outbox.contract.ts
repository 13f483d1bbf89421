import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingJob } from '../../src/ports/job-queue.ts';
import { newImage, type PhotoStoresFixture, type PhotoStoresOptions } from './photo-stores.fixture.ts';

/** The Outbox contract: every SQL database (SQLite, PostgreSQL) runs it. */
export function outboxContract(
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  options: PhotoStoresOptions,
): void {
  describe(`Outbox contract: ${name}`, () => {
    let fixture: PhotoStoresFixture;
    let stores: PhotoStoresFixture['stores'];

    beforeEach(async () => {
      fixture = await create();
      stores = fixture.stores;
    });
    afterEach(async () => {
      await fixture.close();
    });

    it.runIf(options.concurrentTransactions)(
      'relays each outbox job once when two processes relay at the same moment',
      async () => {
        const other = await fixture.openAnother();
        for (let i = 0; i < 20; i++)
          await stores.images.createImage(newImage(`r${String(i).padStart(2, '0')}`), 1000);
        const published: string[] = [];
        const slowPublish = async (jobs: OutgoingJob[]) => {
          await new Promise((r) => setTimeout(r, 200));
          for (const job of jobs)
            if (job.payload.kind === 'process_image') published.push(job.payload.imageId);
        };
        const moved = await Promise.all([
          stores.outbox.relayOutbox(500, slowPublish),
          other.outbox.relayOutbox(500, slowPublish),
        ]);
        expect(moved[0] + moved[1]).toBe(20);
        expect(published).toHaveLength(20);
        expect(new Set(published).size).toBe(20);
        expect(await stores.outbox.takeOutbox(10)).toEqual([]);
        // a failed publish keeps the rows for the next round
        await stores.images.createImage(newImage('later'), 2000);
        await expect(
          stores.outbox.relayOutbox(500, async () => {
            throw new Error('broker down');
          }),
        ).rejects.toThrow('broker down');
        expect(await other.outbox.relayOutbox(500, slowPublish)).toBe(1);
      },
    );
  });
}
