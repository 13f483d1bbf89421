import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { faceAlong, type Script, ScriptedEngine, TEST_MODEL } from '../../test/helpers/scripted-engine.ts';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { MemoryEventBus } from '../adapters/events-memory/event-bus.memory.ts';
import { ExactFaceIndex } from '../adapters/face-index-exact/exact-face-index.ts';
import { sqlPhotoStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { AppError } from '../core/errors.ts';
import { silentLogger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { GalleryCache } from './gallery-cache.ts';
import { type ProcessImageDeps, processImage } from './process-image.ts';
import { reidentify } from './reidentify.ts';

describe('processImage', () => {
  let dir: string;
  let handle: SqliteHandle;
  let stores: PhotoStores;
  let now: number;
  const counts = { processed: 0, failed: 0, retried: 0 };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-process-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    stores = sqlPhotoStores(handle.db);
    now = 1_000_000;
    counts.processed = counts.failed = counts.retried = 0;
  });
  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function deps(script: Script): ProcessImageDeps & { engine: ScriptedEngine } {
    const engine = new ScriptedEngine(script);
    const clock = { now: () => now };
    return {
      stores,
      blobs: new FsBlobStore(join(dir, 'blobs')),
      engine,
      galleries: new GalleryCache(stores.gallery, TEST_MODEL, {
        adapter: 'exact',
        create: (dims) => new ExactFaceIndex(dims),
        snapshots: null,
        snapshotEveryMs: 0,
      }),
      events: new MemoryEventBus(100, clock),
      clock,
      log: silentLogger,
      observer: {
        imageProcessed: () => counts.processed++,
        imageFailed: () => counts.failed++,
        imageRetried: () => counts.retried++,
        imagePostponed: () => {},
      },
      retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 },
      threshold: 0.5,
      leaseMs: 30_000,
    };
  }

  async function newPhoto(d: ProcessImageDeps, content: string): Promise<string> {
    const bytes = new TextEncoder().encode(content);
    const { sha256, size } = await d.blobs.put(bytes);
    const { image } = await stores.images.createImage(
      {
        sha256,
        size,
        mediaType: 'image/jpeg',
        file: content,
        importPath: null,
        requestId: null,
        width: 1,
        height: 1,
      },
      now,
    );
    return image.id;
  }

  it('writes every face with its match and publishes the new status', async () => {
    const d = deps(() => [faceAlong(0), faceAlong(1)]);
    const ann = await stores.people.createPerson('Ann', now);
    await stores.enrolment.enroll(ann.id, faceAlong(0, 0.05).embedding, TEST_MODEL, null, now, null);
    const id = await newPhoto(d, 'two faces');
    const seen: string[] = [];
    d.events.subscribe((e) => seen.push(e.type === 'image' ? e.data.status : e.type));
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'processed', faces: 2 });
    const image = await stores.images.getImage(id);
    expect(image?.status).toBe('processed');
    expect(image?.faces.map((f) => f.person?.name ?? null)).toEqual(['Ann', null]);
    expect(image?.faces[0]?.distance).toBeGreaterThan(0);
    expect(seen).toEqual(['processing', 'processed']);
    expect(counts.processed).toBe(1);
  });

  it('names faces with the match policy: a calibrated threshold that tightens as people are enrolled', async () => {
    // T(N) = (probit(0.01 / N) + 4.9263) / 50: 0.052 with one person enrolled, 0.047 with two.
    const calibration = {
      modelName: TEST_MODEL.name,
      pipelineVersion: '1',
      targetFpir: 0.01,
      impostorTail: { intercept: -4.9263, slope: 50 },
      maxThreshold: 0.5,
      fittedOn: 'synthetic',
    };
    const d = { ...deps(() => [faceAlong(0, 0.05)]), match: { kind: 'calibrated' as const, calibration } };
    const ann = await stores.people.createPerson('Ann', now);
    await stores.enrolment.enroll(ann.id, faceAlong(0).embedding, TEST_MODEL, null, now, null);
    const alone = await newPhoto(d, 'ann alone');
    await processImage(d, alone, 'w1');
    expect((await stores.images.getImage(alone))?.faces[0]?.person?.name).toBe('Ann');
    const bob = await stores.people.createPerson('Bob', now);
    await stores.enrolment.enroll(bob.id, faceAlong(2).embedding, TEST_MODEL, null, now, null);
    const crowded = await newPhoto(d, 'ann among two');
    await processImage(d, crowded, 'w1');
    expect((await stores.images.getImage(crowded))?.faces[0]?.person).toBeNull();
  });

  it('retries transient errors with exponential backoff, then fails with the error kept', async () => {
    const d = deps(() => new AppError('engine_failure', 'worker thread crashed', { retryable: true }));
    const id = await newPhoto(d, 'flaky');
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'retry', delayMs: 1000 });
    expect(await processImage(d, id, 'w1')).toMatchObject({ kind: 'skipped', retryInMs: 1000 });
    now += 1000;
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'retry', delayMs: 2000 });
    now += 2000;
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'failed' });
    const image = await stores.images.getImage(id);
    expect(image?.status).toBe('failed');
    expect(image?.attempts).toBe(3);
    expect(image?.lastError).toEqual({
      code: 'engine_failure',
      message: 'worker thread crashed',
      retryable: true,
    });
    expect(counts).toEqual({ processed: 0, failed: 1, retried: 2 });
    expect(d.engine.calls.size).toBe(1);
    expect([...d.engine.calls.values()]).toEqual([3]);
  });

  it('fails a photo at once on a permanent error and the others carry on', async () => {
    const bad = new TextEncoder().encode('bad photo');
    const d = deps((bytes) =>
      Buffer.from(bytes).equals(Buffer.from(bad))
        ? new AppError('invalid_image', 'cannot decode')
        : [faceAlong(2)],
    );
    const badId = await newPhoto(d, 'bad photo');
    const goodId = await newPhoto(d, 'good photo');
    expect(await processImage(d, badId, 'w1')).toEqual({ kind: 'failed' });
    expect(await processImage(d, goodId, 'w1')).toEqual({ kind: 'processed', faces: 1 });
    expect((await stores.images.getImage(badId))?.lastError?.code).toBe('invalid_image');
    expect((await stores.images.getImage(badId))?.attempts).toBe(1);
  });

  it('does nothing for a photo already processed; one held by another worker is looked at again after a lease', async () => {
    const d = deps(() => [faceAlong(0)]);
    const id = await newPhoto(d, 'once');
    await stores.leases.claimImage(id, 'other', 30_000, now);
    // Not dropped: when the holder was killed, its message may be the one handed here (RabbitMQ redelivers
    // at once), and no other would come back for the photo.
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'skipped', retryInMs: 30_000 });
    expect(d.engine.calls.size).toBe(0);
    now += 31_000; // the other worker died: its lease expired
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'processed', faces: 1 });
    expect(await processImage(d, id, 'w2')).toEqual({ kind: 'skipped' });
    expect((await stores.images.getImage(id))?.faces).toHaveLength(1);
  });

  it('gives up on a photo whose workers keep dying once MAX_ATTEMPTS is spent', async () => {
    const d = deps(() => [faceAlong(0)]);
    const id = await newPhoto(d, 'poison');
    for (let i = 0; i < 3; i++) {
      await stores.leases.claimImage(id, `dead-${i}`, 1000, now);
      now += 2000;
    }
    expect(await processImage(d, id, 'w1')).toEqual({ kind: 'failed' });
    expect((await stores.images.getImage(id))?.lastError?.code).toBe('engine_failure');
    expect(d.engine.calls.size).toBe(0);
  });

  it('re-identifies automatic matches after an enroll and a delete, leaving manual names alone', async () => {
    const d = deps((bytes) => [faceAlong(new TextDecoder().decode(bytes).endsWith('a') ? 0 : 1)]);
    const photoA = await newPhoto(d, 'photo a');
    const photoB = await newPhoto(d, 'photo b');
    await processImage(d, photoA, 'w');
    await processImage(d, photoB, 'w');
    const ann = await stores.people.createPerson('Ann', now);
    const bob = await stores.people.createPerson('Bob', now);
    const faceB = (await stores.images.getImage(photoB))?.faces[0]?.id as string;
    await stores.enrolment.assignFace(faceB, bob.id, now);
    await stores.enrolment.enroll(ann.id, faceAlong(0).embedding, TEST_MODEL, null, now, null);
    await stores.enrolment.enroll(ann.id, faceAlong(1).embedding, TEST_MODEL, null, now, null);
    const rd = { ...d, stores, threshold: 0.5 };
    await reidentify(rd, 'job-1');
    expect((await stores.images.getImage(photoA))?.faces[0]?.person?.name).toBe('Ann');
    expect((await stores.images.getImage(photoB))?.faces[0]?.person?.name).toBe('Bob');
    await stores.people.deletePerson(ann.id, now, null);
    await reidentify(rd, 'job-2');
    expect((await stores.images.getImage(photoA))?.faces[0]?.person).toBeNull();
    expect((await stores.images.getImage(photoB))?.faces[0]?.person?.name).toBe('Bob');
  });
});
