import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ErrorJson, IngestJson } from '../helpers/api-client.ts';
import { decompressionBombPng } from '../helpers/bad-images.ts';
import { lfw, orl } from '../helpers/faces.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const MAX_UPLOAD_BYTES = 200_000;

describeWithFaces('HTTP API: bad input gets a clear error and stores nothing', () => {
  let server: TestServer;
  let outside: string;

  beforeAll(async () => {
    server = await startTestServer({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), WORKER_CONCURRENCY: '0' });
    outside = mkdtempSync(join(tmpdir(), 'faceflow-outside-'));
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function expectNothingStored(): Promise<void> {
    const { body } = await server.api.json<{ images: unknown[] }>('GET', '/api/images');
    expect(body.images).toEqual([]);
    expect(server.blobCount()).toBe(0);
  }

  async function expectUploadError(bytes: Uint8Array, status: number, code: string): Promise<void> {
    const res = await server.api.upload<ErrorJson>('/api/images', [{ name: 'bad.jpg', bytes }]);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message.length).toBeGreaterThan(0);
    await expectNothingStored();
  }

  it('rejects a file that is not an image with 422 invalid_image', async () => {
    await expectUploadError(new TextEncoder().encode('just some text, not a photo'), 422, 'invalid_image');
  });

  it('rejects a truncated JPEG with 422 invalid_image', async () => {
    const photo = lfw('AJ_Cook');
    await expectUploadError(photo.subarray(0, Math.floor(photo.length / 2)), 422, 'invalid_image');
  });

  it('rejects a 0-byte upload with 422 invalid_image', async () => {
    await expectUploadError(new Uint8Array(), 422, 'invalid_image');
  });

  it('rejects an upload over MAX_UPLOAD_BYTES with 413', async () => {
    const big = new Uint8Array(MAX_UPLOAD_BYTES + 10_000);
    big.set(lfw('AJ_Cook'));
    await expectUploadError(big, 413, 'payload_too_large');
  });

  it('rejects a decompression bomb with 422 image_too_large', async () => {
    await expectUploadError(decompressionBombPng(), 422, 'image_too_large');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await server.api.json<ErrorJson>('POST', '/api/images', '{"path": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    const people = await server.api.json<ErrorJson>('POST', '/api/people', '{name:');
    expect(people.status).toBe(400);
    await expectNothingStored();
  });

  it('answers unknown ids with 404', async () => {
    const paths: [string, string, unknown?][] = [
      ['GET', '/api/images/img_nope'],
      ['GET', '/api/images/img_nope/content'],
      ['GET', '/api/images/img_nope/faces/fac_nope/thumbnail'],
      ['GET', '/api/people/per_nope'],
      ['PATCH', '/api/people/per_nope', { name: 'X' }],
      ['DELETE', '/api/people/per_nope'],
      ['POST', '/api/people/per_nope/faces', { faceId: 'fac_nope' }],
      ['POST', '/api/faces/fac_nope/assign', { personId: 'per_nope' }],
      ['GET', '/api/no/such/route'],
    ];
    for (const [method, path, body] of paths) {
      const res = await server.api.json<ErrorJson>(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('refuses paths outside IMPORT_ROOTS, with `..`, or through a symlink leaving the root, with 403', async () => {
    const secret = join(outside, 'secret.jpg');
    writeFileSync(secret, lfw('AJ_Cook'));
    // A FIFO: opening it for reading would block until a writer comes, so the request would hang if it were opened.
    const fifo = join(outside, 'never-open.jpg');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(server.importRoot, 'link-out.jpg'));
    symlinkSync(outside, join(server.importRoot, 'dir-out'));
    const cases = [
      secret,
      fifo,
      join(server.importRoot, '..', 'outside.jpg'),
      '../etc/passwd',
      `${server.importRoot}/sub/../../x.jpg`,
      join(server.importRoot, 'link-out.jpg'),
      join(server.importRoot, 'dir-out', 'secret.jpg'),
      'dir-out',
    ];
    for (const path of cases) {
      const res = await server.api.json<ErrorJson>('POST', '/api/images', { path });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('forbidden_path');
    }
    await expectNothingStored();
  });

  it('imports a folder but rejects the symlinks in it that leave the root, without opening them', async () => {
    const folder = join(server.importRoot, 'mixed');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.pgm'), orl(5, 1));
    writeFileSync(join(folder, 'notes.txt'), 'not a photo');
    const fifo = join(outside, 'fifo-in-folder.jpg');
    execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(folder, 'z-link.jpg'));
    const res = await server.api.json<IngestJson>('POST', '/api/images', { path: 'mixed' });
    expect(res.status).toBe(201);
    expect(res.body.images.map((i) => i.file)).toEqual([join(folder, 'a.pgm')]);
    expect(res.body.rejected.map((r) => [r.file, r.error.code])).toEqual([
      [join(folder, 'notes.txt'), 'invalid_image'],
      [join(folder, 'z-link.jpg'), 'forbidden_path'],
    ]);
    expect(server.blobCount()).toBe(1);
  });

  it('refuses empty and 10 kB names with 400 and stores SQL metacharacters verbatim', async () => {
    for (const name of ['', '   ', 'x'.repeat(10_000)]) {
      const res = await server.api.json<ErrorJson>('POST', '/api/people', { name });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
    }
    const missing = await server.api.json<ErrorJson>('POST', '/api/people', {});
    expect(missing.status).toBe(400);
    expect((await server.api.json<{ people: unknown[] }>('GET', '/api/people')).body.people).toEqual([]);
    const name = `Robert'); DROP TABLE people; -- 50% "_" \\`;
    const created = await server.api.json<{ id: string; name: string }>('POST', '/api/people', { name });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe(name);
    const read = await server.api.json<{ name: string }>('GET', `/api/people/${created.body.id}`);
    expect(read.body.name).toBe(name);
    const renamed = await server.api.json<ErrorJson>('PATCH', `/api/people/${created.body.id}`, {
      name: '',
    });
    expect(renamed.status).toBe(400);
  });

  it('rejects an enrollment photo without a main face, and an identify request that is not an image', async () => {
    const person = await server.api.json<{ id: string }>('POST', '/api/people', { name: 'Enrollee' });
    const noFace = await server.api.upload<ErrorJson>(`/api/people/${person.body.id}/faces`, [
      { name: 'grey.pgm', bytes: new TextEncoder().encode('P5\n4 4\n255\n0000000000000000') },
    ]);
    expect(noFace.status).toBe(422);
    expect(noFace.body.error.code).toBe('no_face');
    const two = await server.api.upload<ErrorJson>('/api/identify', [
      { name: 'a.jpg', bytes: lfw('AJ_Cook') },
      { name: 'b.jpg', bytes: lfw('AJ_Cook') },
    ]);
    expect(two.status).toBe(400);
    expect(two.body.error.code).toBe('invalid_input');
    const none = await server.api.json<ErrorJson>('POST', '/api/identify', { photo: 'x' });
    expect(none.status).toBe(400);
    const notImage = await server.api.upload<ErrorJson>('/api/identify', [
      { name: 'x.jpg', bytes: new TextEncoder().encode('nope') },
    ]);
    expect(notImage.status).toBe(422);
    expect(notImage.body.error.code).toBe('invalid_image');
  });

  it('keeps the good files of a mixed upload, reports the bad ones, and stores duplicates once', async () => {
    const good = lfw('AJ_Cook');
    const res = await server.api.upload<IngestJson>('/api/images', [
      { name: 'good.jpg', bytes: good },
      { name: 'empty.jpg', bytes: new Uint8Array() },
      { name: 'again.jpg', bytes: good },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.images.map((i) => [i.file, i.status, i.duplicate])).toEqual([
      ['good.jpg', 'pending', false],
      ['again.jpg', 'pending', true],
    ]);
    expect(res.body.images[0]?.id).toBe(res.body.images[1]?.id);
    expect(res.body.rejected).toEqual([
      { file: 'empty.jpg', error: { code: 'invalid_image', message: 'the file is empty (0 bytes)' } },
    ]);
  });

  it('serves OpenAPI, docs, health and metrics', async () => {
    const openapi = await server.api.json<{ openapi: string; paths: Record<string, unknown> }>(
      'GET',
      '/openapi.json',
    );
    expect(openapi.body.openapi).toBe('3.0.3');
    for (const path of [
      '/api/images',
      '/api/images/{id}',
      '/api/people/{id}/faces',
      '/api/identify',
      '/api/events',
    ])
      expect(Object.keys(openapi.body.paths)).toContain(path);
    const docs = await fetch(`${server.running.url}/docs`);
    expect(docs.status).toBe(200);
    expect((await server.api.json('GET', '/healthz')).status).toBe(200);
    expect((await server.api.json('GET', '/readyz')).status).toBe(200);
    const metrics = await (await fetch(`${server.running.url}/metrics`)).text();
    for (const name of [
      'faceflow_http_requests_total',
      'faceflow_http_request_duration_seconds',
      'faceflow_queue_depth',
      'faceflow_jobs_processed_total',
      'faceflow_jobs_failed_total',
      'faceflow_jobs_retried_total',
      'faceflow_image_processing_seconds',
      'faceflow_engine_pool_utilisation',
    ])
      expect(metrics).toContain(name);
  });
});
