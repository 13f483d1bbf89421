import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExactFaceIndex } from '../adapters/face-index-exact/exact-face-index.ts';
import { sqlPhotoStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { l2Normalize } from '../core/embedding.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { GalleryCache } from './gallery-cache.ts';
import { IndexSnapshots } from './index-snapshots.ts';

const model = { name: 'm', version: '1', dimensions: 4, threshold: 1 };
const v = (...xs: number[]) => l2Normalize(new Float32Array(xs));

describe('GalleryCache over a face index', () => {
  let dir: string;
  let handle: SqliteHandle;
  let stores: PhotoStores;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-gallery-cache-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    stores = sqlPhotoStores(handle.db);
  });
  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cache = (snapshots: IndexSnapshots | null, adapter = 'exact') =>
    new GalleryCache(stores.gallery, model, {
      adapter,
      create: (dims) => new ExactFaceIndex(dims),
      snapshots,
      snapshotEveryMs: 0,
    });

  it('follows enrolments and deletions of other processes, never answering a deleted person', async () => {
    const galleries = cache(null);
    const ann = await stores.people.createPerson('Ann', 1);
    await stores.enrolment.enroll(ann.id, v(1, 0, 0, 0), model, null, 1, null);
    expect((await galleries.current()).gallery.search(v(1, 0, 0, 0), 1)[0]?.personId).toBe(ann.id);
    const bob = await stores.people.createPerson('Bob', 2);
    await stores.enrolment.enroll(bob.id, v(0, 1, 0, 0), model, null, 2, null);
    await stores.people.deletePerson(ann.id, 3, null);
    const { gallery } = await galleries.current();
    expect(gallery.search(v(1, 0, 0, 0), 5).map((m) => m.personId)).toEqual([bob.id]);
    expect(gallery.peopleCount).toBe(1);
  });

  it('starts from a snapshot plus the changes since, and rebuilds when the snapshot is corrupt or of another index', async () => {
    const snapshots = new IndexSnapshots(join(dir, 'snapshots'));
    const ann = await stores.people.createPerson('Ann', 1);
    await stores.enrolment.enroll(ann.id, v(1, 0, 0, 0), model, null, 1, null);
    const first = cache(snapshots);
    await first.current();
    await first.saveSnapshot();
    const bob = await stores.people.createPerson('Bob', 2);
    await stores.enrolment.enroll(bob.id, v(0, 1, 0, 0), model, null, 2, null);

    const restarted = await cache(snapshots).current();
    expect(restarted.gallery.size).toBe(2);
    expect(restarted.gallery.search(v(0, 1, 0, 0), 1)[0]?.personId).toBe(bob.id);

    // Another adapter's snapshot is not restored: rebuilt from the store.
    expect((await cache(snapshots, 'hnsw').current()).gallery.size).toBe(2);

    const [latest] = readdirSync(join(dir, 'snapshots'));
    writeFileSync(join(dir, 'snapshots', latest as string, 'vectors.f32'), 'garbage');
    const rebuilt = await cache(snapshots).current();
    expect(rebuilt.gallery.size).toBe(2);
    expect(rebuilt.gallery.peopleCount).toBe(2);
  });
});
