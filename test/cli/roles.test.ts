import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MYSQL_TYPES,
  migrationProvider,
  SQLITE_TYPES,
} from '../../src/adapters/sql/migrations/migrations.ts';
import { createTestMysqlDatabase } from '../helpers/servers.ts';
import { runCli } from '../support/run-cli.ts';

describe('faceflow migrate, redeemer and configuration errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-roles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate creates the schema once, then finds nothing to do', async () => {
    const env = { DATA_DIR: dir };
    const first = await runCli(['migrate', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const all = Object.keys(await migrationProvider(SQLITE_TYPES).getMigrations());
    expect(all.slice(0, 4)).toEqual([
      '0001_initial',
      '0002_average_jobs',
      '0003_average_queued',
      '0004_auth',
    ]);
    expect(JSON.parse(first.stdout)).toEqual({ applied: all });
    const second = await runCli(['migrate', '--json'], { env });
    expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
  });

  it('migrate takes DATABASE_URL=mysql://user:password@host:port/db (MariaDB): the schema once, then nothing to do', async () => {
    const database = await createTestMysqlDatabase();
    try {
      const env = { DATA_DIR: dir, DATABASE_URL: database.url };
      const first = await runCli(['migrate', '--json'], { env });
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toEqual({
        applied: Object.keys(await migrationProvider(MYSQL_TYPES).getMigrations()),
      });
      const second = await runCli(['migrate', '--json'], { env });
      expect(JSON.parse(second.stdout)).toEqual({ applied: [] });
      const wrong = await runCli(['migrate'], {
        env: { DATA_DIR: dir, DATABASE_URL: 'mysql://root@127.0.0.1:3306' },
      });
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/DATABASE_URL/);
    } finally {
      await database.drop();
    }
  });

  it('redeemer --once re-queues a photo left processing by a dead worker', async () => {
    const db = new BetterSqlite3(join(dir, 'faceflow.db'));
    const t = Date.now() - 60_000;
    db.prepare(
      `insert into images (id, sha256, file, size, media_type, status, attempts, lease_owner, lease_until, created_at, updated_at)
       values ('img_stuck', ?, 'x.jpg', 1, 'image/jpeg', 'processing', 1, 'dead-worker', ?, ?, ?)`,
    ).run('a'.repeat(64), t, t, t);
    db.close();
    const res = await runCli(['redeemer', '--once', '--json'], {
      env: { DATA_DIR: dir, LOG_LEVEL: 'silent' },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ requeued: 1 });
    const check = new BetterSqlite3(join(dir, 'faceflow.db'), { readonly: true });
    const jobs = check.prepare('select kind, payload from jobs').all() as { kind: string; payload: string }[];
    check.close();
    expect(jobs.map((j) => [j.kind, JSON.parse(j.payload).imageId])).toEqual([
      ['process_image', 'img_stuck'],
    ]);
  });

  it('all refuses to start on bad configuration and names every bad key', async () => {
    const res = await runCli(['all'], {
      env: { DATA_DIR: dir, PORT: 'http', MAX_ATTEMPTS: '0', MATCH_THRESHOLD: '-1', QUEUE_URL: 'kafka://x' },
    });
    expect(res.code).not.toBe(0);
    for (const key of ['PORT', 'MAX_ATTEMPTS', 'MATCH_THRESHOLD', 'QUEUE_URL'])
      expect(res.stderr).toContain(`${key}:`);
  });
});
