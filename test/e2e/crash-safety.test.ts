import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { lfwUploads } from '../helpers/faces.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const PHOTOS = 30;

describeWithFaces('crash safety: kill -9 while processing, restart, nothing lost', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceflow-crash-'));
  const env = { DATA_DIR: dataDir, WORKER_CONCURRENCY: '1', JOB_LEASE_MS: '2000' };
  let server: ChildServer | undefined;

  afterAll(async () => {
    await killIfRunning(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('processes every photo exactly once after a kill -9 and a restart', async () => {
    server = await startChildServer(env);
    let api = await signInAsAdmin(server.url, env);
    const res = await api.upload<IngestJson>('/api/images', lfwUploads(0, PHOTOS));
    expect(res.status).toBe(201);
    expect(res.body.images).toHaveLength(PHOTOS);

    // Kill only when at least one photo is processing and at least one still pending: assert both first.
    let seen = { processing: 0, pending: 0 };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const processing = await api.json<{ images: unknown[] }>('GET', '/api/images?status=processing');
      const pending = await api.json<{ images: unknown[] }>('GET', '/api/images?status=pending&limit=500');
      seen = { processing: processing.body.images.length, pending: pending.body.images.length };
      if (seen.processing >= 1 && seen.pending >= 1) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.processing).toBeGreaterThanOrEqual(1);
    expect(seen.pending).toBeGreaterThanOrEqual(1);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');

    server = await startChildServer(env);
    api = await signInAsAdmin(server.url, env);
    const done = await api.waitFor<{ images: { id: string; status: string }[] }>(
      '/api/images?limit=500',
      (body) => body.images.length === PHOTOS && body.images.every((i) => i.status === 'processed'),
      120_000,
    );
    expect(new Set(done.images.map((i) => i.id))).toEqual(new Set(res.body.images.map((i) => i.id)));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // Face rows are never duplicated: one row per (photo, face index), indexes 0..n-1, and no job left over.
    const db = new BetterSqlite3(join(dataDir, 'faceflow.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          'select image_id, count(*) as n, count(distinct face_index) as d, max(face_index) as m from faces group by image_id',
        )
        .all() as { image_id: string; n: number; d: number; m: number }[];
      expect(rows.length).toBeGreaterThanOrEqual(PHOTOS - 2);
      for (const row of rows) {
        expect(row.n).toBe(row.d);
        expect(row.m).toBe(row.n - 1);
      }
      expect((db.prepare('select count(*) as n from jobs').get() as { n: number }).n).toBe(0);
      const retried = db.prepare('select count(*) as n from images where attempts > 1').get() as {
        n: number;
      };
      expect(retried.n).toBeGreaterThanOrEqual(1);
    } finally {
      db.close();
    }
  });
});
