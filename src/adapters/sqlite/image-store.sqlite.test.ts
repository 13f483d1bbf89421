import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { face, imageStoreContract, MODEL, newImage } from '../../../test/contract/image-store.contract.ts';
import { SqliteImageStore } from './image-store.sqlite.ts';
import { openSqlite, type SqliteHandle } from './sqlite-database.ts';

imageStoreContract('SqliteImageStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-store-'));
  const handle = await openSqlite(join(dir, 'db.sqlite'));
  return {
    store: new SqliteImageStore(handle.db),
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteImageStore (rows)', () => {
  let dir: string;
  let handle: SqliteHandle;
  let store: SqliteImageStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-store-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    store = new SqliteImageStore(handle.db);
  });
  afterEach(async () => {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces faces when a photo is processed again, never duplicates them', async () => {
    const { image } = await store.createImage(newImage('cc'), 1000);
    await store.claimImage(image.id, 'w', 1000, 1000);
    await store.completeImage(image.id, 'w', [face(null, null, 1), face(null, null, 2)], MODEL, 1100);
    await handle.db.updateTable('images').set({ status: 'pending' }).where('id', '=', image.id).execute();
    await store.claimImage(image.id, 'w', 1000, 2000);
    await store.completeImage(image.id, 'w', [face(null, null, 1), face(null, null, 2)], MODEL, 2100);
    const rows = await handle.db.selectFrom('faces').select('id').where('image_id', '=', image.id).execute();
    expect(rows).toHaveLength(2);
  });
});
