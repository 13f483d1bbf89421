import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlWorkerHeartbeats } from '../../src/adapters/sql/worker-heartbeats.sql.ts';
import { openSqlite, type SqliteHandle } from '../../src/adapters/sqlite/sqlite-database.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

interface WorkerJson {
  id: string;
  role: string;
  pid: number;
  state: 'alive' | 'gone';
  breakerState: string | null;
  concurrency: number;
  lastSeen: string;
}

describe('GET /api/system lists the worker processes from their heartbeats', () => {
  let server: TestServer;
  let other: SqliteHandle;

  beforeAll(async () => {
    server = await startTestServer(
      { WORKER_HEARTBEAT_MS: '200', WORKER_CONCURRENCY: '3' },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
    // Another process on the same database: a worker that was killed an hour ago, and a live one.
    other = await openSqlite(join(server.dataDir, 'faceflow.db'));
    const beats = new SqlWorkerHeartbeats(other.db);
    const common = { host: 'elsewhere', role: 'worker', engineThreads: 0, threadsBusy: 0, jobsInHand: 0 };
    await beats.beat({
      ...common,
      id: 'worker-killed',
      pid: 1,
      concurrency: 2,
      breakerState: 'open',
      startedAt: Date.now() - 7_200_000,
      lastSeen: Date.now() - 16_000,
      intervalMs: 5000,
    });
    await beats.beat({
      ...common,
      id: 'worker-remote',
      pid: 2,
      concurrency: 2,
      breakerState: 'closed',
      startedAt: Date.now() - 60_000,
      lastSeen: Date.now(),
      intervalMs: 60_000,
    });
  });

  afterAll(async () => {
    await other?.close();
    await server?.stop();
  });

  it('shows this process, a live remote worker, and a killed one as gone with its breaker state', async () => {
    const res = await server.api.json<{ workers: WorkerJson[] }>('GET', '/api/system');
    expect(res.status).toBe(200);
    const byId = new Map(res.body.workers.map((w) => [w.id, w]));
    const own = res.body.workers.find((w) => w.role === 'all');
    expect(own).toMatchObject({ pid: process.pid, state: 'alive', breakerState: null, concurrency: 3 });
    expect(byId.get('worker-remote')).toMatchObject({ state: 'alive', breakerState: 'closed' });
    expect(byId.get('worker-killed')).toMatchObject({ state: 'gone', breakerState: 'open' });
  });

  it('keeps the own row fresh: last seen moves with the beats', async () => {
    const seen = async () =>
      (await server.api.json<{ workers: WorkerJson[] }>('GET', '/api/system')).body.workers.find(
        (w) => w.role === 'all',
      )?.lastSeen;
    const first = await seen();
    await new Promise((r) => setTimeout(r, 500));
    expect(await seen()).not.toBe(first);
  });
});
