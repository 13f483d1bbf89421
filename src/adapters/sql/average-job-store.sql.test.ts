import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChunkPartial, reducePartials } from '../../core/average.ts';
import { EmbeddingSum } from '../../core/exact-sum.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import { openAverageStore } from '../../roles/wiring/stores.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';

function partial(values: number[][]): ChunkPartial {
  const sum = new EmbeddingSum(2);
  for (const v of values) sum.add(Float32Array.from(v));
  return {
    sum: sum.toJSON(),
    photos: values.length,
    photosUsed: values.length,
    faces: values.length,
    skipped: [],
    model: { name: 'm', version: '1', dimensions: 2 },
  };
}

describe('SqlAverageJobStore (SQLite)', () => {
  let dir: string;
  let store: AverageJobStore;
  let other: SqliteHandle;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avgstore-'));
    const url = `sqlite:${path.join(dir, 'db.sqlite')}`;
    other = await openSqlite(path.join(dir, 'db.sqlite'));
    const handle = await openAverageStore({ DATABASE_URL: url });
    store = handle.averages as AverageJobStore;
    close = handle.close;
  });
  afterAll(async () => {
    await close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  const options = { face: 'largest' as const, minScore: 0, chunkSize: 2 };

  it('counts a chunk once however often it is completed, and not after the job ended', async () => {
    const job = await store.createJob({ source: { path: '/x', label: 'x' }, options }, 1000);
    expect(job.state).toBe('preparing');
    await store.addChunk(job.id, 0, [{ entry: 'a.jpg', sha256: 'a'.repeat(64) }], 1001);
    await store.addChunk(job.id, 0, [{ entry: 'other.jpg', sha256: 'b'.repeat(64) }], 1002);
    await store.addChunk(job.id, 1, [{ entry: 'c.jpg', skip: 'no_face', message: 'none' }], 1003);
    expect((await store.getChunk(job.id, 0))?.entries).toEqual([{ entry: 'a.jpg', sha256: 'a'.repeat(64) }]);
    expect(await store.pendingChunks(job.id)).toEqual([0, 1]);

    expect(await store.completeChunk(job.id, 0, partial([[0.6, 0.8]]), 1010)).toBe(true);
    expect(await store.completeChunk(job.id, 0, partial([[1, 0]]), 1011)).toBe(false);
    expect(await store.pendingChunks(job.id)).toEqual([1]);
    expect(await store.finishPreparing(job.id, { chunks: 2, entries: 2, rejected: [] }, 1020)).toBe(true);
    expect(await store.finishPreparing(job.id, { chunks: 9, entries: 9, rejected: [] }, 1021)).toBe(false);
    let current = await store.getJob(job.id);
    expect(current).toMatchObject({ state: 'running', totalChunks: 2, chunksDone: 1, photosDone: 1 });

    const parts = await store.partials(job.id);
    expect(parts.map((p) => p.index)).toEqual([0]);
    expect(reducePartials(parts)?.mean.map(Math.fround)).toEqual([Math.fround(0.6), Math.fround(0.8)]);

    expect(await store.endJob(job.id, 'cancelled', null, 1030)).toBe(true);
    expect(await store.completeChunk(job.id, 1, partial([[0, 1]]), 1031)).toBe(false);
    expect(await store.endJob(job.id, 'failed', { code: 'internal', message: 'x' }, 1032)).toBe(false);
    current = await store.getJob(job.id);
    expect(current).toMatchObject({ state: 'cancelled', chunksDone: 1, finishedAt: 1030 });
  });

  it('keeps the result, lists jobs newest first, and a finished job cannot finish again', async () => {
    const job = await store.createJob({ source: { path: '/y', label: 'y' }, options }, 2000);
    await store.addChunk(job.id, 0, [{ entry: 'a.jpg', sha256: 'a'.repeat(64) }], 2001);
    await store.finishPreparing(
      job.id,
      { chunks: 1, entries: 1, rejected: [{ entry: '../x', reason: 'unsafe_path' }] },
      2002,
    );
    await store.completeChunk(job.id, 0, partial([[0.6, 0.8]]), 2003);
    const result = reducePartials(await store.partials(job.id));
    if (!result) throw new Error('no result');
    const withStats = { ...result, stats: { durationMs: 3, photosPerSecond: 1 / 0.003 } };
    expect(await store.finishJob(job.id, withStats, 2004)).toBe(true);
    expect(await store.finishJob(job.id, withStats, 2005)).toBe(false);
    const done = await store.getJob(job.id);
    expect(done?.result).toEqual(withStats);
    expect(done?.rejected).toEqual([{ entry: '../x', reason: 'unsafe_path' }]);
    expect((await store.listJobs(10)).map((j) => j.id)[0]).toBe(job.id);
    expect(await store.getJob('avg_missing')).toBeNull();
  });

  it('queues at most a window of pending chunks, in order, and again after a reset', async () => {
    const job = await store.createJob({ source: { path: '/w', label: 'w' }, options }, 4000);
    for (let i = 0; i < 5; i++)
      await store.addChunk(job.id, i, [{ entry: `${i}.jpg`, sha256: 'a'.repeat(64) }], 4001);
    expect(await store.queueChunks(job.id, 2, 4002)).toEqual([0, 1]);
    expect(await store.queueChunks(job.id, 2, 4003)).toEqual([]);
    await store.completeChunk(job.id, 0, partial([[1, 0]]), 4004);
    expect(await store.queueChunks(job.id, 2, 4005)).toEqual([2]);
    await store.resetQueued(job.id);
    expect(await store.queueChunks(job.id, 10, 4006)).toEqual([1, 2, 3, 4]);
  });

  it('waits asynchronously while another connection of the process holds the write lock', async () => {
    const job = await store.createJob({ source: { path: '/z', label: 'z' }, options }, 3000);
    await store.addChunk(job.id, 0, [{ entry: 'a.jpg', sha256: 'a'.repeat(64) }], 3001);
    await store.finishPreparing(job.id, { chunks: 1, entries: 1, rejected: [] }, 3002);
    let completed: boolean | undefined;
    await other.db.transaction().execute(async (tx) => {
      await tx.insertInto('meta').values({ key: 'lock-test', value: '1' }).execute();
      const pending = store.completeChunk(job.id, 0, partial([[1, 0]]), 3003).then((v) => {
        completed = v;
      });
      // the event loop stays free: this timer fires while the store waits for the lock
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(completed).toBeUndefined();
      void pending;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(completed).toBe(true);
  });
});
