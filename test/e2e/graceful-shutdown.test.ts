import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { lfwUploads } from '../helpers/faces.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const PHOTOS = 12;

describeWithFaces('graceful shutdown: SIGTERM with photos in hand', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceflow-sigterm-'));
  const env = { DATA_DIR: dataDir, WORKER_CONCURRENCY: '2' };
  let server: ChildServer | undefined;

  afterAll(async () => {
    await killIfRunning(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes or releases the photos in hand, exits 0, and the next start processes the rest', async () => {
    server = await startChildServer(env);
    let api = await signInAsAdmin(server.url, env);
    const res = await api.upload<IngestJson>('/api/images', lfwUploads(100, PHOTOS));
    expect(res.status).toBe(201);
    await api.waitFor<{ images: unknown[] }>(
      '/api/images?status=processing',
      (b) => b.images.length >= 1,
      30_000,
    );
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    // Nothing is left half-done: no photo stays `processing`, and no attempt was counted for a released one.
    const db = new BetterSqlite3(join(dataDir, 'faceflow.db'), { readonly: true });
    const rows = db.prepare('select status, attempts from images').all() as {
      status: string;
      attempts: number;
    }[];
    db.close();
    expect(rows.filter((r) => r.status === 'processing')).toEqual([]);
    expect(rows.filter((r) => r.status === 'pending').every((r) => r.attempts === 0)).toBe(true);
    expect(rows.some((r) => r.status === 'pending')).toBe(true);

    server = await startChildServer(env);
    api = await signInAsAdmin(server.url, env);
    await api.waitFor<{ images: { status: string }[] }>(
      '/api/images?limit=500',
      (body) => body.images.length === PHOTOS && body.images.every((i) => i.status === 'processed'),
      120_000,
    );
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
