import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GalleryCache } from '../../app/gallery-cache.ts';
import { ModelGalleries } from '../../app/model-galleries.ts';
import { l2Normalize } from '../../core/embedding.ts';
import { AppError } from '../../core/errors.ts';
import { Search } from '../../gen/faceflow/v1/search_pb.ts';
import { silentLogger } from '../../ports/logger.ts';
import type { PhotoStores } from '../../ports/photo-stores.ts';
import { type DualServer, listenDual } from '../../rpc/h2c-server.ts';
import { secretInterceptor } from '../../rpc/recognizer.service.ts';
import { searchRoutes } from '../../rpc/search.service.ts';
import { ExactFaceIndex } from '../face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../face-index-usearch/usearch-face-index.ts';
import { sqlPhotoStores } from '../sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';
import { ConnectGalleryLookup } from './gallery-lookup.connect.ts';

const model = { name: 'm', version: '1', dimensions: 8, threshold: 1 };
const SECRET = 'a-search-secret-for-tests';

/** A deterministic unit vector per seed. */
function vector(seed: number): Float32Array {
  let x = seed * 2654435761;
  const values = Array.from({ length: model.dimensions }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31 - 0.5;
  });
  return l2Normalize(new Float32Array(values));
}

const exact = () => ({
  adapter: 'exact',
  create: (dims: number) => new ExactFaceIndex(dims),
  snapshots: null,
  snapshotEveryMs: 0,
});

describe('search client ↔ search service over a real Connect connection', () => {
  let dir: string;
  let handle: SqliteHandle;
  let stores: PhotoStores;
  let server: DualServer | null = null;
  let client: ConnectGalleryLookup | null = null;
  let fallbacksMade = 0;
  let fallbackAnswers = 0;
  const states: string[] = [];

  /** The `search` role's service: a gallery per model, on the HNSW index by default as in the role. */
  const serve = async (port = 0, adapter: 'exact' | 'hnsw' = 'hnsw') => {
    const galleries = new ModelGalleries(
      (m) =>
        new GalleryCache(
          stores.gallery,
          m,
          adapter === 'exact'
            ? exact()
            : {
                adapter,
                create: (dims) => new UsearchFaceIndex(dims),
                snapshots: null,
                snapshotEveryMs: 0,
              },
        ),
    );
    const handler = connectNodeAdapter({
      routes: searchRoutes({ gallery: (m) => galleries.get(m), log: silentLogger, isServing: () => true }),
      interceptors: [secretInterceptor(SECRET, Search.typeName)],
    });
    server = await listenDual(handler, port, '127.0.0.1');
    return server.port;
  };
  const connect = (port: number, options: { secret?: string; breakerOpenMs?: number } = {}) => {
    client = ConnectGalleryLookup.open({
      url: `http://127.0.0.1:${port}`,
      secret: options.secret ?? SECRET,
      model,
      timeoutMs: 2000,
      breakerFailures: 2,
      breakerOpenMs: options.breakerOpenMs ?? 60_000,
      retries: 0,
      fallback: () => {
        fallbacksMade++;
        return new GalleryCache(stores.gallery, model, exact());
      },
      log: silentLogger,
      onBreakerChange: (state) => states.push(state),
      onFallback: () => fallbackAnswers++,
    });
    return client;
  };
  const enrol = async (name: string, seeds: number[]) => {
    const person = await stores.people.createPerson(name, 1);
    for (const seed of seeds) await stores.enrolment.enroll(person.id, vector(seed), model, null, 1, null);
    return person.id;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-search-client-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    stores = sqlPhotoStores(handle.db);
    fallbacksMade = 0;
    fallbackAnswers = 0;
    states.length = 0;
  });
  afterEach(async () => {
    await client?.close();
    await server?.close(0);
    client = null;
    server = null;
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as the exact scan of the same store does, with its version and counts', async () => {
    for (let p = 0; p < 20; p++) await enrol(`p${p}`, [p * 10, p * 10 + 1]);
    const remote = connect(await serve(0, 'exact'));
    const local = new GalleryCache(stores.gallery, model, exact());
    const queries = Array.from({ length: 30 }, (_, i) => vector(1000 + i));
    const [got, want] = await Promise.all([remote.nearest(queries, 3), local.nearest(queries, 3)]);
    expect(got.version).toBe(want.version);
    expect(got).toMatchObject({ size: 40, peopleCount: 20 });
    expect(got.nearest.map((people) => people.map((p) => p.personId))).toEqual(
      want.nearest.map((people) => people.map((p) => p.personId)),
    );
    for (const [i, people] of got.nearest.entries())
      for (const [j, p] of people.entries())
        expect(p.distance).toBeCloseTo(want.nearest[i]?.[j]?.distance ?? Number.NaN, 6);
    expect(fallbacksMade).toBe(0);
    expect(states).toEqual(['closed']);
  });

  it('on the HNSW index, finds every enrolled face as its own person', async () => {
    const ids = [];
    for (let p = 0; p < 20; p++) ids.push(await enrol(`p${p}`, [p * 10]));
    const remote = connect(await serve());
    const answer = await remote.nearest(
      ids.map((_, p) => vector(p * 10)),
      1,
    );
    expect(answer.nearest.map((people) => people[0]?.personId)).toEqual(ids);
    for (const people of answer.nearest) expect(people[0]?.distance).toBeLessThan(0.05);
  });

  it('never answers with a face deleted since its last answer', async () => {
    const ann = await enrol('Ann', [1]);
    const bob = await enrol('Bob', [2]);
    const remote = connect(await serve());
    expect((await remote.nearest([vector(1)], 2)).nearest[0]?.map((p) => p.personId)).toEqual([ann, bob]);
    await stores.people.deletePerson(ann, 2, null);
    const after = await remote.nearest([vector(1)], 2);
    expect(after.nearest[0]?.map((p) => p.personId)).toEqual([bob]);
    expect(after.peopleCount).toBe(1);
  });

  it("tells the caller's mistakes as invalid_input, whichever side finds them", async () => {
    await enrol('Ann', [1]);
    const remote = connect(await serve());
    await expect(remote.nearest([new Float32Array(3)], 1)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(remote.nearest([vector(1)], 1, { name: 'other', version: '1' })).rejects.toBeInstanceOf(
      AppError,
    );
    // Bounds only the service checks: k, and non-finite values.
    await expect(remote.nearest([vector(1)], 0)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(remote.nearest([vector(1)], 101)).rejects.toMatchObject({ code: 'invalid_input' });
    const nan = vector(1);
    nan[0] = Number.NaN;
    await expect(remote.nearest([nan], 1)).rejects.toThrow(/finite/);
    expect(fallbacksMade).toBe(0);
  });

  it('answers a malformed request over Connect JSON with invalid_argument and a message', async () => {
    await enrol('Ann', [1]);
    const port = await serve();
    const call = (body: unknown) =>
      fetch(`http://127.0.0.1:${port}/faceflow.v1.Search/Nearest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
        body: JSON.stringify(body),
      });
    const noModel = await call({ k: 1, queries: [] });
    expect(noModel.status).toBe(400);
    expect(await noModel.json()).toMatchObject({ code: 'invalid_argument', message: 'no model given' });
    const wire = { name: model.name, version: model.version, dimensions: model.dimensions };
    const tooMany = await call({ model: wire, k: 1, queries: Array.from({ length: 1001 }, () => ({})) });
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { message: string }).message).toMatch(/at most 1000 queries/);
    const wrongLength = await call({ model: wire, k: 1, queries: [{ embedding: [1, 0] }] });
    expect(wrongLength.status).toBe(400);
    const ok = await call({ model: wire, k: 1, queries: [{ embedding: Array.from(vector(1)) }] });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { peopleCount: number }).peopleCount).toBe(1);
  });

  it('without the right secret the service refuses, and the local scan answers', async () => {
    const ann = await enrol('Ann', [1]);
    const remote = connect(await serve(), { secret: 'not-the-search-secret' });
    expect((await remote.nearest([vector(1)], 1)).nearest[0]?.[0]?.personId).toBe(ann);
    expect(fallbackAnswers).toBe(1);
  });

  it('down: the breaker opens, a local copy loaded once answers; back: the breaker closes and the copy goes', async () => {
    const ann = await enrol('Ann', [1]);
    const port = await serve();
    const remote = connect(port, { breakerOpenMs: 300 });
    expect((await remote.nearest([vector(1)], 1)).nearest[0]?.[0]?.personId).toBe(ann);
    await server?.close(0);
    server = null;
    for (let i = 0; i < 4; i++)
      expect((await remote.nearest([vector(1)], 1)).nearest[0]?.[0]?.personId).toBe(ann);
    expect(remote.breakerState()).toBe('open');
    expect(fallbacksMade).toBe(1);
    expect(fallbackAnswers).toBe(4);
    expect(remote.holdsLocalCopy()).toBe(true);
    // Enrolled while the service is down: the fallback reads the store's version too.
    const bob = await enrol('Bob', [2]);
    expect((await remote.nearest([vector(2)], 1)).nearest[0]?.[0]?.personId).toBe(bob);

    await serve(port);
    await new Promise((r) => setTimeout(r, 350));
    const back = await remote.nearest([vector(2)], 1);
    expect(back.nearest[0]?.[0]?.personId).toBe(bob);
    expect(remote.breakerState()).toBe('closed');
    expect(remote.holdsLocalCopy()).toBe(false);
    expect(fallbackAnswers).toBe(5);
    expect(states).toEqual(['closed', 'open', 'half_open', 'closed']);
  });
});
