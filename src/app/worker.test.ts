import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newImageRow } from '../../test/helpers/image-rows.ts';
import { EmbeddedJobQueue } from '../adapters/queue-embedded/job-queue.embedded.ts';
import { sqlPhotoStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { systemClock } from '../ports/clock.ts';
import type { ReceivedJob } from '../ports/job-queue.ts';
import { silentLogger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { redeemOnce } from './redeem.ts';
import { QueueWorker } from './worker.ts';

describe('QueueWorker, outbox relay and redeemer', () => {
  let dir: string;
  let handle: SqliteHandle;
  let queue: EmbeddedJobQueue;
  let stores: PhotoStores;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-worker-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    queue = new EmbeddedJobQueue(handle.db, systemClock);
    stores = sqlPhotoStores(handle.db);
  });
  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('relays outbox jobs to the queue once and processes them with bounded concurrency', async () => {
    for (let i = 0; i < 6; i++) await stores.images.createImage(newImageRow(i), Date.now());
    const relay = new OutboxRelay(stores.outbox, queue, silentLogger);
    expect(await relay.drain()).toBe(6);
    expect(await relay.drain()).toBe(0);
    let inFlight = 0;
    let peak = 0;
    const handled: string[] = [];
    const worker = new QueueWorker({
      queue,
      log: silentLogger,
      consumer: 'w',
      concurrency: 2,
      leaseMs: 5000,
      pollMs: 20,
      handler: {
        async handle(job: ReceivedJob) {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight--;
          if (job.payload.kind === 'process_image') handled.push(job.payload.imageId);
          return { kind: 'ack' };
        },
      },
    });
    worker.start();
    const deadline = Date.now() + 5000;
    while (handled.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(handled).toHaveLength(6);
    expect(new Set(handled).size).toBe(6);
    expect(peak).toBe(2);
    expect(await queue.depth()).toEqual({ ready: 0, inFlight: 0, delayed: 0 });
  });

  it('at shutdown releases the jobs it could not finish, for another worker to take', async () => {
    await queue.publish([{ payload: { kind: 'process_image', imageId: 'slow' } }]);
    const released: string[] = [];
    const worker = new QueueWorker({
      queue,
      log: silentLogger,
      consumer: 'w',
      concurrency: 1,
      leaseMs: 60_000,
      pollMs: 10,
      handler: {
        handle: () => new Promise(() => {}),
        release: async (job) => {
          released.push(job.id);
        },
      },
    });
    worker.start();
    while (worker.busy === 0) await new Promise((r) => setTimeout(r, 10));
    await worker.stop(50);
    expect(released).toHaveLength(1);
    const [again] = await queue.receive('other', 1, 1000);
    expect(again?.payload).toEqual({ kind: 'process_image', imageId: 'slow' });
  });

  it('redeems photos whose job was lost', async () => {
    const { image } = await stores.images.createImage(newImageRow(1), 1000);
    await stores.outbox.deleteOutbox((await stores.outbox.takeOutbox(10)).map((o) => o.id));
    const ids = await redeemOnce({
      stores,
      clock: { now: () => 1000 + 61_000 },
      log: silentLogger,
      staleMs: 60_000,
    });
    expect(ids).toEqual([image.id]);
    await new OutboxRelay(stores.outbox, queue, silentLogger).drain();
    const [job] = await queue.receive('w', 1, 1000);
    expect(job?.payload).toMatchObject({ kind: 'process_image', imageId: image.id });
  });
});
