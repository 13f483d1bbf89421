import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectGalleryLookup } from '../adapters/search-client/gallery-lookup.connect.ts';
import { sqlPhotoStores } from '../adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { loadSearchConfig } from '../config/roles.config.ts';
import { l2Normalize } from '../core/embedding.ts';
import { silentLogger } from '../ports/logger.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import { type RunningSearch, startSearch } from './search.ts';

const model = { name: 'm', version: '1', dimensions: 8, threshold: 1 };
const SECRET = 'a-search-secret-for-tests';
const unit = (i: number) => {
  const v = new Float32Array(model.dimensions);
  v[i % model.dimensions] = 1;
  v[(i + 3) % model.dimensions] = 0.5;
  return l2Normalize(v);
};

describe('faceflow search: restores the galleries it held before it listens', () => {
  let dir: string;
  let handle: SqliteHandle;
  let stores: PhotoStores;
  let running: RunningSearch | null = null;
  let client: ConnectGalleryLookup | null = null;

  const start = async () => {
    running = await startSearch(
      loadSearchConfig({
        DATA_DIR: dir,
        DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
        SEARCH_PORT: '0',
        SEARCH_HOST: '127.0.0.1',
        SEARCH_SECRET: SECRET,
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        GALLERY_INDEX_SNAPSHOTS: 'snapshots',
        LOG_LEVEL: 'silent',
      }),
    );
    client = ConnectGalleryLookup.open({
      url: running.url,
      secret: SECRET,
      model,
      timeoutMs: 5000,
      breakerFailures: 3,
      breakerOpenMs: 60_000,
      fallback: () => {
        throw new Error('the fallback must not be needed');
      },
      log: silentLogger,
    });
    return running;
  };
  const stop = async () => {
    await client?.close();
    await running?.close();
    client = null;
    running = null;
  };
  const faces = async (metricsUrl: string) => {
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    return Number(/^faceflow_search_faces\{model="m@1"\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-search-role-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    stores = sqlPhotoStores(handle.db);
  });
  afterEach(async () => {
    await stop();
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a snapshot at stop, restores it at the next start, then applies what changed meanwhile', async () => {
    const people = [];
    for (let i = 0; i < 6; i++) {
      const person = await stores.people.createPerson(`p${i}`, 1);
      await stores.enrolment.enroll(person.id, unit(i), model, null, 1, null);
      people.push(person.id);
    }
    await start();
    expect((await client?.nearest([unit(2)], 1))?.nearest[0]?.[0]?.personId).toBe(people[2]);
    await stop();
    const folder = join(dir, 'snapshots', 'search', 'm@1');
    expect(existsSync(join(folder, 'model.json'))).toBe(true);
    expect(readdirSync(folder).some((name) => name.startsWith('snapshot-'))).toBe(true);

    // While it is down: one person deleted, one enrolled.
    await stores.people.deletePerson(people[2] as string, 2, null);
    const late = await stores.people.createPerson('late', 2);
    await stores.enrolment.enroll(late.id, unit(7), model, null, 2, null);

    const again = await start();
    // Held before any call: restored (and brought up to date) at start.
    expect(await faces(again.metricsUrl)).toBe(6);
    const answer = await client?.nearest([unit(2), unit(7)], 1);
    expect(answer?.nearest[0]?.[0]?.personId).not.toBe(people[2]);
    expect(answer?.nearest[1]?.[0]?.personId).toBe(late.id);
    expect(answer?.peopleCount).toBe(6);
  });
});
