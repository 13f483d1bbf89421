import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlPeopleSummaries } from '../../src/adapters/sql/people-summaries.sql.ts';
import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { openSqlite } from '../../src/adapters/sqlite/sqlite-database.ts';
import { newImageRow } from '../helpers/image-rows.ts';
import { faceAlong } from '../helpers/scripted-engine.ts';
import { runCli } from '../support/run-cli.ts';

describe('faceflow regroup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-regroup-'));
  const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
  const suggestions = async () => {
    const handle = await openSqlite(join(dir, 'faceflow.db'));
    try {
      return await new SqlPeopleSummaries(handle.db).listPeople({ suggested: true, minFaces: 3 });
    } finally {
      await handle.close();
    }
  };

  beforeAll(async () => {
    // Six processed photos, never grouped (as after an upgrade): three faces of each of two people.
    const handle = await openSqlite(join(dir, 'faceflow.db'));
    const stores = sqlPhotoStores(handle.db);
    for (let i = 0; i < 6; i++) {
      const { image } = await stores.images.createImage(newImageRow(`r${i}`), 1000 + i);
      await stores.leases.claimImage(image.id, 'w', 60_000, 1000 + i);
      const face = faceAlong(i % 2, 0.02 * i);
      await stores.leases.completeImage(
        image.id,
        'w',
        [{ ...face, personId: null, distance: null }],
        { name: 'scripted', version: '1' },
        1000 + i,
      );
    }
    await handle.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a bad setting with a message and a non-zero exit, changing nothing', async () => {
    const res = await runCli(['regroup'], { env: { ...env, GROUPING_THRESHOLD: 'wide' } });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('GROUPING_THRESHOLD');
    expect(await suggestions()).toEqual([]);
  });

  it('groups the unknown faces and prints the number of groups', async () => {
    const res = await runCli(['regroup'], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('2 groups (2 suggested people of 3+ faces) from 6 unknown faces\n');
    expect((await suggestions()).map((s) => s.faceCount)).toEqual([3, 3]);
    const json = await runCli(['regroup', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual({ faces: 6, groups: 2, suggestions: 2 });
  });
});
