import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../adapters/blobs-fs/blob-store.fs.ts';
import { SqlAuditLog } from '../adapters/sqlite/audit-log.sqlite.ts';
import { SqliteImageStore } from '../adapters/sqlite/image-store.sqlite.ts';
import { SqlPrivacyStore } from '../adapters/sqlite/privacy-store.sqlite.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import type { Clock } from '../ports/clock.ts';
import type { NewFace } from '../ports/image-store.ts';
import { silentLogger } from '../ports/logger.ts';
import { purgeExpiredPhotos, type RetentionDeps } from './retention.ts';

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
  let store: SqliteImageStore;
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
    const { image } = await store.createImage(
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
      await store.claimImage(image.id, 'w', 60_000, createdAt);
      if (outcome === 'failed')
        await store.failImage(image.id, 'w', { code: 'invalid_image', message: 'bad' }, null, createdAt);
      else await store.completeImage(image.id, 'w', outcome, MODEL, createdAt);
    }
    return { id: image.id, sha256 };
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-retention-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    store = new SqliteImageStore(handle.db);
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
    const ann = await store.createPerson('Ann', T0);
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

  it('works through more photos than one batch, and a photo named since is no longer a candidate', async () => {
    const p = await scenario();
    const bob = await store.createPerson('Bob', T0);
    const [unknown] = (await store.getImage(p.unknownFace.id))?.faces ?? [];
    await store.assignFace(unknown?.id as string, bob.id, T0 + DAY);
    now = T0 + 60 * DAY;
    expect(await purgeExpiredPhotos(deps(30, 1))).toMatchObject({ photos: 3, blobs: 3 });
    expect(await remaining()).toEqual([p.unknownFace.id, p.identified.id, p.pending.id].sort());
  });
});
