import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite-database.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('openSqlite: privacy at rest', () => {
  let base: string;
  let umask: number;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'faceflow-sqlite-'));
    // The most permissive umask: the modes must come from faceflow, not from the environment.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(base, { recursive: true, force: true });
  });

  it('overwrites deleted rows (secure_delete) and keeps the file, its WAL and SHM and new folders private', async () => {
    const path = join(base, 'data', 'nested', 'faceflow.db');
    const handle = await openSqlite(path);
    try {
      const { rows } = await sql<{ secure_delete: number }>`PRAGMA secure_delete`.execute(handle.db);
      expect(rows).toEqual([{ secure_delete: 1 }]);
      await handle.db
        .insertInto('people')
        .values({ id: 'p1', name: 'Ann', created_at: 1, updated_at: 1 })
        .execute();
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      expect(mode(join(base, 'data'))).toBe(0o700);
      expect(mode(join(base, 'data', 'nested'))).toBe(0o700);
    } finally {
      await handle.close();
    }
  });

  it('makes an existing, world-readable database file private, and leaves an existing folder as it is', async () => {
    const path = join(base, 'old.db');
    await (await openSqlite(path)).close();
    chmodSync(path, 0o644);
    // The folder of a DATABASE_URL file may be shared with other things: not faceflow's to change.
    chmodSync(base, 0o755);
    const handle = await openSqlite(path);
    await handle.close();
    expect(mode(path)).toBe(0o600);
    expect(mode(base)).toBe(0o755);
  });
});
