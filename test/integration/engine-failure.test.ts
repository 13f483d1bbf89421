import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ImageJson, IngestJson } from '../helpers/api-client.ts';
import { lfw } from '../helpers/faces.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

function blobFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describeWithFaces('a photo that fails in the engine', () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('becomes failed with its error while the others are processed', async () => {
    // Ingest with processing paused, then damage one stored photo so that the engine rejects it.
    server = await startTestServer({ WORKER_CONCURRENCY: '0' });
    const photos = ['AJ_Cook', 'Abbas_Kiarostami', 'Abdel_Aziz_Al-Hakim'].map((name) => ({
      name: `${name}.jpg`,
      bytes: lfw(name),
    }));
    const res = await server.api.upload<IngestJson>('/api/images', photos);
    expect(res.status).toBe(201);
    const [victim] = res.body.images;
    const victimDetail = await server.api.json<ImageJson & { sha256: string }>(
      'GET',
      `/api/images/${victim?.id}`,
    );
    const blob = blobFiles(join(server.dataDir, 'blobs')).find((f) => f.endsWith(victimDetail.body.sha256));
    expect(blob).toBeDefined();
    writeFileSync(blob as string, 'these bytes are not a photo any more');
    const { dataDir } = server;
    await server.running.close();

    // Restart on the same DATA_DIR with workers: the queued jobs survived the restart.
    server = await startTestServer({ DATA_DIR: dataDir, WORKER_CONCURRENCY: '2' });
    const done = await server.api.waitFor<{ images: ImageJson[] }>('/api/images', (body) =>
      body.images.every((i) => i.status === 'processed' || i.status === 'failed'),
    );
    const byId = new Map(done.images.map((i) => [i.id, i]));
    const failed = byId.get(victim?.id as string);
    expect(failed?.status).toBe('failed');
    expect(failed?.attempts).toBe(1);
    expect(failed?.lastError?.code).toBe('invalid_image');
    for (const other of res.body.images.slice(1))
      expect(byId.get(other.id)?.status, JSON.stringify(byId.get(other.id))).toBe('processed');

    // Retry: only a failed photo can be retried; once its bytes are whole again it is processed.
    const processed = res.body.images[1]?.id as string;
    const notFailed = await server.api.json<{ error: { code: string } }>(
      'POST',
      `/api/images/${processed}/retry`,
    );
    expect([notFailed.status, notFailed.body.error.code]).toEqual([409, 'conflict']);
    const unknown = await server.api.json<{ error: { code: string } }>('POST', '/api/images/nope/retry');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    writeFileSync(blob as string, lfw('AJ_Cook'));
    const retried = await server.api.json<{ id: string; status: string }>(
      'POST',
      `/api/images/${victim?.id}/retry`,
    );
    expect([retried.status, retried.body.status]).toEqual([202, 'pending']);
    const after = await server.api.waitFor<ImageJson>(
      `/api/images/${victim?.id}`,
      (body) => body.status === 'processed',
    );
    expect(after.attempts).toBe(1);
  });
});
