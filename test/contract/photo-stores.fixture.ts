import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe } from 'vitest';
import type { Database } from '../../src/adapters/sql/schema.ts';
import type { NewFace } from '../../src/ports/image-leases.ts';
import type { PhotoStores } from '../../src/ports/photo-stores.ts';
import { newImageRow } from '../helpers/image-rows.ts';

/** The photo stores of one database, as every photo-store contract suite gets them. */
export interface PhotoStoresFixture {
  stores: PhotoStores;
  /** The tables underneath (every store adapter is Kysely over the same schema), to set up odd states. */
  db: Kysely<Database>;
  /** The stores again on the same database through their own connection(s), as another process would have. */
  openAnother(): Promise<PhotoStores>;
  close(): Promise<void>;
}

export interface PhotoStoresOptions {
  /**
   * Whether two connections in one process may hold write transactions at once. SQLite serialises
   * writers (BEGIN IMMEDIATE) and better-sqlite3 waits synchronously, so there it is a two-process test
   * (test/e2e/two-workers); PostgreSQL runs it here.
   */
  concurrentTransactions: boolean;
}

export const MODEL = { name: 'test-model', version: '1' };

export function newImage(sha: string) {
  return newImageRow(sha.padEnd(64, '0'), {
    requestId: 'req-1',
    width: 10,
    height: 10,
    size: 10,
    file: `${sha}.jpg`,
  });
}

export function face(personId: string | null, distance: number | null, seed = 1): NewFace {
  return {
    box: { top: 1, right: 5, bottom: 5, left: 1 },
    landmarks: [{ x: 2, y: 2 }],
    score: 0.9,
    quality: null,
    embedding: new Float32Array([seed, 0, 0, 0]),
    personId,
    distance,
  };
}

/** What a test of a photo-store contract works with: fresh stores on an empty database for every test. */
export interface PhotoStoresContext {
  stores: PhotoStores;
  fixture: PhotoStoresFixture;
}

/** A describe block whose every test gets a fresh fixture (`ctx`), closed after it. */
export function describeWithStores(
  title: string,
  create: () => Promise<PhotoStoresFixture>,
  body: (ctx: PhotoStoresContext) => void,
): void {
  describe(title, () => {
    const ctx = {} as PhotoStoresContext;
    beforeEach(async () => {
      ctx.fixture = await create();
      ctx.stores = ctx.fixture.stores;
    });
    afterEach(async () => {
      await ctx.fixture.close();
    });
    body(ctx);
  });
}

/** One port's contract suite, run by every SQL database's runner. */
export type PhotoStoresContract = (
  name: string,
  create: () => Promise<PhotoStoresFixture>,
  options: PhotoStoresOptions,
) => void;
