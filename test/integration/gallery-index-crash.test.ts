import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExactFaceIndex } from '../../src/adapters/face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../../src/adapters/face-index-usearch/usearch-face-index.ts';
import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { openSqlite } from '../../src/adapters/sqlite/sqlite-database.ts';
import { GalleryCache } from '../../src/app/gallery-cache.ts';
import { IndexSnapshots } from '../../src/app/index-snapshots.ts';
import { IndexedGallery } from '../../src/app/indexed-gallery.ts';
import { WRITER_MODEL } from '../fixtures/gallery-writer-model.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** Runs the writer until it printed `rounds` rounds, then kills it (SIGKILL) a few milliseconds later. */
async function runAndKill(
  database: string,
  snapshots: string,
  rounds: number,
  delayMs: number,
): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/gallery-index-writer.ts', database, snapshots],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<string>((done) => child.on('exit', (code, signal) => done(`${code ?? signal}`)));
  await new Promise<void>((done, fail) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(`round ${rounds}\n`)) setTimeout(done, delayMs);
    });
    exited.then((code) => fail(new Error(`writer exited (${code}): ${out}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

async function gallery(cache: GalleryCache): Promise<IndexedGallery> {
  const { gallery } = await cache.current();
  if (!(gallery instanceof IndexedGallery)) throw new Error('not an indexed gallery');
  return gallery;
}

describe('the face index after a process was killed mid-update', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-index-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts from its latest complete snapshot plus the store, equal to a fresh rebuild', async () => {
    const database = join(dir, 'db.sqlite');
    const snapshots = join(dir, 'snapshots');
    await runAndKill(database, snapshots, 12, 3);
    // Killed again at another moment of its cycle (store writes, index update or snapshot write).
    await runAndKill(database, snapshots, 16, 11);
    expect(readdirSync(snapshots).some((name) => name.startsWith('snapshot-'))).toBe(true);

    const handle = await openSqlite(database);
    try {
      const stores = sqlPhotoStores(handle.db);
      const stored = await stores.gallery.loadGallery(WRITER_MODEL);
      const restarted = await gallery(
        new GalleryCache(stores.gallery, WRITER_MODEL, {
          adapter: 'hnsw',
          create: (dims) => new UsearchFaceIndex(dims),
          snapshots: new IndexSnapshots(snapshots),
          snapshotEveryMs: 3_600_000,
        }),
      );
      const rebuilt = await gallery(
        new GalleryCache(stores.gallery, WRITER_MODEL, {
          adapter: 'exact',
          create: (dims) => new ExactFaceIndex(dims),
          snapshots: null,
          snapshotEveryMs: 0,
        }),
      );
      const ids = (g: IndexedGallery) => [...g.index.ids()].sort();
      expect(ids(restarted)).toEqual(stored.entries.map((e) => e.id).sort());
      expect(ids(restarted)).toEqual(ids(rebuilt));
      expect(restarted.peopleCount).toBe(rebuilt.peopleCount);
      for (const entry of stored.entries) {
        const [found] = restarted.index.nearest(entry.embedding, 1);
        expect(found).toMatchObject({ id: entry.id, personId: entry.personId });
        // The same nearest person as the exact rebuild (int8 codes round distances, not answers).
        const [a] = restarted.search(entry.embedding, 1);
        const [b] = rebuilt.search(entry.embedding, 1);
        expect(a?.personId).toBe(b?.personId);
        expect(a?.distance).toBeCloseTo(b?.distance as number, 2);
      }
    } finally {
      await handle.close();
    }
  });
});
