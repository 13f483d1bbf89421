import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { SqlAuditLog } from '../adapters/sql/audit-log.sql.ts';
import { SqlAverageJobStore } from '../adapters/sql/average-job-store.sql.ts';
import { SqlPrivacyStore } from '../adapters/sql/privacy-store.sql.ts';
import { sqlPhotoStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import type { Clock } from '../ports/clock.ts';
import type { NewFace } from '../ports/image-leases.ts';
import { silentLogger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { purgeExpiredAverageJobs, purgeExpiredPhotos, type RetentionDeps } from './retention.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const MODEL = { name: 'test', version: '1' };

function face(personId: string | null): NewFace {
  return {
    box: { top: 1, right: 20, bottom: 20, left: 1 },
    landmarks: [],
    score: 0.9,
    quality: null,
    embedding: new Float32Array([0.6, 0.8, 0, 0]),
    personId,
    distance: personId === null ? null : 0.1,
  };
}

describe('retention (RETENTION_DAYS): the redeemer deletes old photos in which nobody is identified', () => {
  let dir: string;
  let handle: SqliteHandle;
  let stores: PhotoStores;
  let blobs: FsBlobStore;
  let audit: SqlAuditLog;
  let now: number;
  const clock: Clock = { now: () => now };
  const logged: { obj: object; msg?: string }[] = [];
  const log = { ...silentLogger, info: (obj: object, msg?: string) => void logged.push({ obj, msg }) };
  const deps = (retentionDays: number | null, batchSize?: number): RetentionDeps => ({
    privacy: new SqlPrivacyStore(handle.db),
    blobs,
    audit,
    clock,
    log,
    retentionDays,
    batchSize,
  });

  /** A photo created at `createdAt` with its bytes stored, then processed with `faces`, failed, or left pending. */
  async function photo(name: string, createdAt: number, outcome: NewFace[] | 'failed' | 'pending') {
    const { sha256, size } = await blobs.put(new TextEncoder().encode(name));
    const { image } = await stores.images.createImage(
      {
        sha256,
        size,
        mediaType: 'image/jpeg',
        file: name,
        importPath: null,
        requestId: null,
        width: 9,
        height: 9,
      },
      createdAt,
    );
    if (outcome !== 'pending') {
      await stores.leases.claimImage(image.id, 'w', 60_000, createdAt);
      if (outcome === 'failed')
        await stores.leases.failImage(
          image.id,
          'w',
          { code: 'invalid_image', message: 'bad' },
          null,
          createdAt,
        );
      else await stores.leases.completeImage(image.id, 'w', outcome, MODEL, createdAt);
    }
    return { id: image.id, sha256 };
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-retention-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    stores = sqlPhotoStores(handle.db);
    blobs = new FsBlobStore(join(dir, 'blobs'));
    now = T0;
    audit = new SqlAuditLog(handle.db, clock);
    logged.length = 0;
  });
  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scenario() {
    const ann = await stores.people.createPerson('Ann', T0);
    return {
      noFace: await photo('no face', T0, []),
      unknownFace: await photo('unknown face', T0, [face(null), face(null)]),
      failed: await photo('failed', T0, 'failed'),
      identified: await photo('ann', T0, [face(null), face(ann.id)]),
      pending: await photo('pending', T0, 'pending'),
      recent: await photo('recent', T0 + 20 * DAY, []),
    };
  }

  async function remaining() {
    return (await handle.db.selectFrom('images').select('id').orderBy('id').execute()).map((r) => r.id);
  }

  it('deletes only unidentified, finished photos older than the period, with their faces and bytes', async () => {
    const p = await scenario();
    now = T0 + 31 * DAY;
    // jobs: the outbox rows of their processing, never relayed here, go too.
    const result = await purgeExpiredPhotos(deps(30));
    expect(result).toEqual({ photos: 3, faces: 2, jobs: 3, blobs: 3 });

    expect(await remaining()).toEqual([p.identified.id, p.pending.id, p.recent.id].sort());
    const faces = await handle.db.selectFrom('faces').select('image_id').execute();
    expect(faces.map((f) => f.image_id)).toEqual([p.identified.id, p.identified.id]);
    for (const gone of [p.noFace, p.unknownFace, p.failed]) expect(await blobs.has(gone.sha256)).toBe(false);
    for (const kept of [p.identified, p.pending, p.recent]) expect(await blobs.has(kept.sha256)).toBe(true);

    const { entries } = await audit.list({ limit: 10 });
    expect(entries).toEqual([
      {
        id: expect.any(String),
        at: now,
        actor: { kind: 'system', id: 'system', name: 'system' },
        action: 'retention.purged',
        target: null,
        details: { photos: 3, faces: 2, jobs: 3, blobs: 3, retentionDays: 30, createdBefore: T0 + DAY },
      },
    ]);
    expect(logged).toEqual([
      {
        obj: { photos: 3, faces: 2, jobs: 3, blobs: 3, retentionDays: 30 },
        msg: 'retention deleted unidentified photos',
      },
    ]);

    // A second pass finds nothing and records nothing.
    expect(await purgeExpiredPhotos(deps(30))).toEqual({ photos: 0, faces: 0, jobs: 0, blobs: 0 });
    expect((await audit.list({ limit: 10 })).entries).toHaveLength(1);
  });

  it('keeps everything when RETENTION_DAYS is unset, and photos younger than the period', async () => {
    await scenario();
    now = T0 + 1000 * DAY;
    expect(await purgeExpiredPhotos(deps(null))).toEqual({ photos: 0, faces: 0, jobs: 0, blobs: 0 });
    now = T0 + 29 * DAY;
    expect(await purgeExpiredPhotos(deps(30))).toEqual({ photos: 0, faces: 0, jobs: 0, blobs: 0 });
    expect(await remaining()).toHaveLength(6);
    expect((await audit.list({ limit: 10 })).entries).toEqual([]);
    expect(logged).toEqual([]);
  });

  describe('finished dataset-average jobs', () => {
    const OPTIONS = { face: 'largest' as const, minScore: 0, chunkSize: 2 };
    const RESULT = {
      mean: [0],
      normalizedMean: [0],
      counted: 1,
      skipped: {},
      stats: { durationMs: 1, photosPerSecond: 1 },
    } as never;

    /** A job over `photos` (blob contents) read from `source`, ended as `end` at `at`, or left running. */
    async function averageJob(
      averages: SqlAverageJobStore,
      source: string,
      photos: string[],
      end: 'done' | 'cancelled' | 'running',
      at: number,
    ) {
      const job = await averages.createJob({ source: { path: source, label: 'set' }, options: OPTIONS }, at);
      const shas: string[] = [];
      for (const [index, photo] of photos.entries()) {
        const { sha256 } = await blobs.put(new TextEncoder().encode(photo));
        shas.push(sha256);
        await averages.addChunk(job.id, index, [{ entry: `${photo}.jpg`, sha256 }], at);
      }
      await averages.finishPreparing(
        job.id,
        { chunks: photos.length, entries: photos.length, rejected: [] },
        at,
      );
      if (end === 'done') await averages.finishJob(job.id, RESULT, at);
      if (end === 'cancelled') await averages.endJob(job.id, 'cancelled', null, at);
      return { id: job.id, shas };
    }

    it('deletes jobs that ended before the period, their uploaded archive and the photos only they used', async () => {
      const averages = new SqlAverageJobStore(handle.db);
      const uploadDir = join(dir, 'imports');
      mkdirSync(uploadDir);
      const archive = join(uploadDir, 'upload-1.tar');
      writeFileSync(archive, 'archive bytes');
      const importRoot = join(dir, 'import-root');
      mkdirSync(importRoot);
      // `shared` is also a photo uploaded the usual way; `both` is in an old job and a recent one.
      const photoShared = await photo('shared', T0, []);
      const oldDone = await averageJob(averages, archive, ['only-old', 'shared', 'both'], 'done', T0);
      const oldCancelled = await averageJob(averages, importRoot, ['cancelled-only'], 'cancelled', T0);
      const recent = await averageJob(
        averages,
        join(uploadDir, 'recent.tar'),
        ['both'],
        'done',
        T0 + 20 * DAY,
      );
      const running = await averageJob(averages, importRoot, ['running-only'], 'running', T0);
      now = T0 + 31 * DAY;

      const result = await purgeExpiredAverageJobs({
        averages,
        blobs,
        audit,
        clock,
        log,
        uploadDir,
        retentionDays: 30,
      });
      expect(result).toEqual({ averageJobs: 2, blobs: 2, archives: 1 });
      const left = (await averages.listJobs(10)).map((j) => j.id).sort();
      expect(left).toEqual([recent.id, running.id].sort());
      expect(await averages.getChunk(oldDone.id, 0)).toBeNull();
      expect(await averages.getChunk(oldCancelled.id, 0)).toBeNull();
      const has = async (sha: string | undefined) => blobs.has(sha as string);
      expect(await has(oldDone.shas[0])).toBe(false);
      expect(await has(oldCancelled.shas[0])).toBe(false);
      expect(await has(photoShared.sha256)).toBe(true);
      expect(await has(oldDone.shas[2])).toBe(true);
      expect(await has(running.shas[0])).toBe(true);
      expect(existsSync(archive)).toBe(false);
      // A folder under IMPORT_ROOTS is the user's: never deleted.
      expect(existsSync(importRoot)).toBe(true);
      const { entries } = await audit.list({ limit: 10 });
      expect(entries.map((e) => [e.action, e.details])).toEqual([
        [
          'retention.purged_average_jobs',
          { averageJobs: 2, blobs: 2, archives: 1, retentionDays: 30, finishedBefore: T0 + DAY },
        ],
      ]);

      // Unset RETENTION_DAYS keeps everything.
      now = T0 + 1000 * DAY;
      expect(
        await purgeExpiredAverageJobs({ averages, blobs, audit, clock, log, uploadDir, retentionDays: null }),
      ).toEqual({
        averageJobs: 0,
        blobs: 0,
        archives: 0,
      });
      expect(await averages.listJobs(10)).toHaveLength(2);
    });
  });

  it('works through more photos than one batch, and a photo named since is no longer a candidate', async () => {
    const p = await scenario();
    const bob = await stores.people.createPerson('Bob', T0);
    const [unknown] = (await stores.images.getImage(p.unknownFace.id))?.faces ?? [];
    await stores.enrolment.assignFace(unknown?.id as string, bob.id, T0 + DAY);
    now = T0 + 60 * DAY;
    expect(await purgeExpiredPhotos(deps(30, 1))).toMatchObject({ photos: 3, blobs: 3 });
    expect(await remaining()).toEqual([p.unknownFace.id, p.identified.id, p.pending.id].sort());
  });
});
