import { expect, it } from 'vitest';
import { newImageRow } from '../helpers/image-rows.ts';
import {
  describeWithStores,
  face,
  MODEL,
  newImage,
  type PhotoStoresContract,
} from './photo-stores.fixture.ts';

/** The ImageCatalog contract: every SQL database (SQLite, PostgreSQL) runs it. */
export const imagesContract: PhotoStoresContract = (name, create, options) => {
  describeWithStores(`ImageCatalog contract: ${name}`, create, (ctx) => {
    it('stores the same bytes once and writes one outbox job with the photo', async () => {
      const first = await ctx.stores.images.createImage(newImage('aa'), 1000);
      const second = await ctx.stores.images.createImage(newImage('aa'), 2000);
      expect(first.duplicate).toBe(false);
      expect(second.duplicate).toBe(true);
      expect(second.image.id).toBe(first.image.id);
      const outbox = await ctx.stores.outbox.takeOutbox(10);
      expect(outbox.map((o) => o.job.payload)).toEqual([
        { kind: 'process_image', imageId: first.image.id, requestId: 'req-1' },
      ]);
    });

    it('pages images newest first with a keyset cursor and filters by status and person', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await ctx.stores.images.createImage(newImage(`p${i}`), 1000 + i)).image.id);
      const page1 = await ctx.stores.images.listImages({ limit: 2 });
      expect(page1.items.map((i) => i.id)).toEqual([ids[4], ids[3]]);
      const page2 = await ctx.stores.images.listImages({ limit: 2, cursor: page1.nextCursor ?? undefined });
      expect(page2.items.map((i) => i.id)).toEqual([ids[2], ids[1]]);
      const page3 = await ctx.stores.images.listImages({ limit: 2, cursor: page2.nextCursor ?? undefined });
      expect(page3.items.map((i) => i.id)).toEqual([ids[0]]);
      expect(page3.nextCursor).toBeNull();
      const person = await ctx.stores.people.createPerson('Ann', 1000);
      const target = ids[2] as string;
      await ctx.stores.leases.claimImage(target, 'w', 1000, 2000);
      await ctx.stores.leases.completeImage(target, 'w', [face(person.id, 0.3)], MODEL, 2100);
      expect(
        (await ctx.stores.images.listImages({ limit: 10, personId: person.id })).items.map((i) => i.id),
      ).toEqual([target]);
      expect(
        (await ctx.stores.images.listImages({ limit: 10, status: 'processed' })).items.map((i) => i.id),
      ).toEqual([target]);
    });

    it('searches file names and import paths, ignoring case, with LIKE wildcards taken literally', async () => {
      const add = async (key: string, file: string, importPath: string | null, at: number) =>
        (await ctx.stores.images.createImage(newImageRow(key, { file, importPath }), at)).image.id;
      const underscore = await add('s1', 'Holiday_2024.JPG', null, 1000);
      const percent = await add('s2', 'holiday%2024.jpg', null, 1001);
      const work = await add('s3', 'work.png', null, 1002);
      const trip = await add('s4', 'a.jpg', '/imports/Trip/a.jpg', 1003);
      const slash = await add('s5', 'back\\slash.jpg', null, 1004);
      const search = async (text: string) =>
        (await ctx.stores.images.listImages({ limit: 10, search: text })).items.map((i) => i.id);

      expect(await search('HOLIDAY')).toEqual([percent, underscore]);
      expect(await search('%')).toEqual([percent]);
      expect(await search('y_2')).toEqual([underscore]);
      expect(await search('\\')).toEqual([slash]);
      expect(await search('trip/')).toEqual([trip]);
      expect(await search("'; drop table images;--")).toEqual([]);
      expect(await search('  ')).toHaveLength(5);

      // Keyset pages stay within the search.
      const first = await ctx.stores.images.listImages({ limit: 1, search: 'holiday' });
      expect(first.items.map((i) => i.id)).toEqual([percent]);
      const second = await ctx.stores.images.listImages({
        limit: 1,
        search: 'holiday',
        cursor: first.nextCursor ?? '',
      });
      expect(second.items.map((i) => i.id)).toEqual([underscore]);
      expect(second.nextCursor).toBeNull();

      // Counts follow the same filter; with a person too, only their matching photos count.
      const person = await ctx.stores.people.createPerson('Ann', 1000);
      await ctx.stores.leases.claimImage(work, 'w', 1000, 2000);
      await ctx.stores.leases.completeImage(work, 'w', [face(person.id, 0.3)], MODEL, 2100);
      await ctx.stores.leases.claimImage(underscore, 'w', 1000, 2000);
      await ctx.stores.leases.completeImage(underscore, 'w', [face(person.id, 0.3)], MODEL, 2100);
      expect(await ctx.stores.images.countByStatus({ search: 'holiday' })).toEqual({
        pending: 1,
        processing: 0,
        processed: 1,
        failed: 0,
      });
      expect(await ctx.stores.images.countByStatus({ search: 'holiday', personId: person.id })).toEqual({
        pending: 0,
        processing: 0,
        processed: 1,
        failed: 0,
      });
      expect(
        await ctx.stores.images.listImages({
          limit: 10,
          search: 'o',
          personId: person.id,
          status: 'processed',
        }),
      ).toEqual({
        items: [expect.objectContaining({ id: work }), expect.objectContaining({ id: underscore })],
        nextCursor: null,
      });
      expect((await ctx.stores.images.countByStatus()).pending).toBe(3);
    });

    it.runIf(options.concurrentTransactions)(
      'keeps one photo for the same bytes uploaded twice at once',
      async () => {
        const other = await ctx.fixture.openAnother();
        const [a, b] = await Promise.all([
          ctx.stores.images.createImage(newImage('dup'), 1000),
          other.images.createImage(newImage('dup'), 1000),
        ]);
        expect(a.image.id).toBe(b.image.id);
        expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
        expect((await ctx.stores.outbox.takeOutbox(10)).length).toBe(1);
      },
    );
  });
};
