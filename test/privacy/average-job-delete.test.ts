import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorJson, IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { makeTar } from '../support/archives.ts';

// Deleting a dataset-average job (DELETE /api/jobs/:id) deletes what it brought in: the uploaded archive
// and the photo blobs of its data set, except bytes that something else still uses (a photo uploaded the
// usual way, another job). A job still running is refused with 409 until it is cancelled. Everything it
// wrote to disk was private (0600 files, 0700 folders) under the most permissive umask.
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const mode = (path: string) => statSync(path).mode & 0o777;

interface JobJson {
  id: string;
  state: string;
}

describe('DELETE /api/jobs/:id', () => {
  let server: TestServer;
  let umask: number;
  const photos: Record<'shared' | 'onlyUpload' | 'inBoth' | 'inFolder', Buffer> = {} as never;

  beforeAll(async () => {
    umask = process.umask(0);
    // No workers: an average job stays `running` once its data set is read.
    server = await startTestServer({ WORKER_CONCURRENCY: '0' }, new ScriptedEngine(() => [faceAlong(0)]));
    const png = (r: number) =>
      sharp({ create: { width: 16, height: 16, channels: 3, background: { r, g: 9, b: 9 } } })
        .png()
        .toBuffer();
    photos.shared = await png(10);
    photos.onlyUpload = await png(20);
    photos.inBoth = await png(30);
    photos.inFolder = await png(40);
  });
  afterAll(async () => {
    process.umask(umask);
    await server?.stop();
  });

  const blobPath = (bytes: Uint8Array) => {
    const h = sha256(bytes);
    return join(server.dataDir, 'blobs', h.slice(0, 2), h.slice(2, 4), h);
  };
  const job = (id: string) => server.api.json<JobJson & ErrorJson>('GET', `/api/jobs/${id}`);
  const untilState = async (id: string, state: string) =>
    server.api.waitFor<JobJson>(`/api/jobs/${id}`, (j) => j.state === state, 30_000);

  it('refuses a running job, then deletes its archive and the photos nothing else uses', async () => {
    // `shared` is also uploaded as a photo; `inBoth` is also in a folder job.
    const up = await server.api.upload<IngestJson>('/api/images', [
      { name: 'shared.png', bytes: photos.shared },
    ]);
    expect(up.status).toBe(201);
    const folder = join(server.importRoot, 'set');
    mkdirSync(folder);
    writeFileSync(join(folder, 'both.png'), photos.inBoth);
    writeFileSync(join(folder, 'folder.png'), photos.inFolder);
    const folderJob = await server.api.json<JobJson>('POST', '/api/jobs/average', { path: 'set' });
    expect(folderJob.status).toBe(202);

    const form = new FormData();
    const tar = await makeTar([
      { name: 'a/shared.png', data: photos.shared },
      { name: 'a/upload.png', data: photos.onlyUpload },
      { name: 'a/both.png', data: photos.inBoth },
    ]);
    form.append('file', new Blob([new Uint8Array(tar)]), 'set.tar');
    const res = await fetch(`${server.api.baseUrl}/api/jobs/average?chunkSize=2`, {
      method: 'POST',
      body: form,
      headers: server.api.authHeaders(),
    });
    expect(res.status).toBe(202);
    const uploaded = (await res.json()) as JobJson;
    await untilState(uploaded.id, 'running');
    await untilState(folderJob.body.id, 'running');

    const imports = join(server.dataDir, 'imports');
    const [archive] = readdirSync(imports);
    expect(archive).toBeDefined();
    // Private at rest: the archive, the blobs and their folders, the database, DATA_DIR.
    expect(mode(join(imports, archive as string))).toBe(0o600);
    expect(mode(imports)).toBe(0o700);
    expect(mode(server.dataDir)).toBe(0o700);
    for (const file of ['faceflow.db', 'faceflow.db-wal', 'faceflow.db-shm'])
      expect(mode(join(server.dataDir, file)), file).toBe(0o600);
    const blob = blobPath(photos.onlyUpload);
    expect([mode(blob), mode(join(blob, '..')), mode(join(blob, '..', '..'))]).toEqual([0o600, 0o700, 0o700]);
    expect(mode(join(server.dataDir, 'blobs'))).toBe(0o700);

    const running = await server.api.json<ErrorJson>('DELETE', `/api/jobs/${uploaded.id}`);
    expect(running.status).toBe(409);
    expect(running.body.error.code).toBe('conflict');
    expect(existsSync(blob)).toBe(true);

    const cancelled = await server.api.json<JobJson>('POST', `/api/jobs/${uploaded.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const deleted = await fetch(`${server.api.baseUrl}/api/jobs/${uploaded.id}`, {
      method: 'DELETE',
      headers: server.api.authHeaders(),
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');

    expect((await job(uploaded.id)).status).toBe(404);
    expect(readdirSync(imports)).toEqual([]);
    expect(existsSync(blobPath(photos.onlyUpload))).toBe(false);
    // Still used: by the uploaded photo, and by the folder job.
    expect(existsSync(blobPath(photos.shared))).toBe(true);
    expect(existsSync(blobPath(photos.inBoth))).toBe(true);
    const photoId = up.body.images[0]?.id as string;
    const content = await fetch(`${server.api.baseUrl}/api/images/${photoId}/content`, {
      headers: server.api.authHeaders(),
    });
    expect(content.status).toBe(200);

    // The folder job's photos go with it; the folder under IMPORT_ROOTS stays.
    await server.api.json('POST', `/api/jobs/${folderJob.body.id}/cancel`);
    const second = await fetch(`${server.api.baseUrl}/api/jobs/${folderJob.body.id}`, {
      method: 'DELETE',
      headers: server.api.authHeaders(),
    });
    expect(second.status).toBe(204);
    expect(existsSync(blobPath(photos.inBoth))).toBe(false);
    expect(existsSync(blobPath(photos.inFolder))).toBe(false);
    expect(existsSync(blobPath(photos.shared))).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['both.png', 'folder.png']);

    const audit = await server.api.json<{ entries: { action: string }[] }>('GET', '/api/audit?limit=50');
    expect(audit.body.entries.filter((e) => e.action === 'average.deleted')).toHaveLength(2);
  });

  it('answers 404 JSON for an unknown job', async () => {
    const res = await server.api.json<ErrorJson>('DELETE', '/api/jobs/avg_nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
