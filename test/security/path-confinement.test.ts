import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorJson, IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { allFiles, sha256 } from '../support/files.ts';

// Path imports and data set averages on the real server (`faceflow all` in this process, scripted
// engine, no workers): nothing outside IMPORT_ROOTS is read, whether reached by a link in a folder
// or a line of a list file, refusals do not tell what exists outside, link loops end, and a FIFO or
// device is refused at once instead of holding a file-system thread (and the request) forever.

interface JobJson {
  id: string;
  state: string;
  rejected: { entry: string; reason: string }[];
  error: { code: string; message: string } | null;
  progress: { photosTotal: number | null };
}

describe('path confinement and special files', () => {
  let server: TestServer;
  let outside: string;
  let secret: Buffer;

  const photo = (background: string) =>
    sharp({ create: { width: 24, height: 24, channels: 3, background } })
      .jpeg()
      .toBuffer();

  beforeAll(async () => {
    server = await startTestServer({ WORKER_CONCURRENCY: '0' }, new ScriptedEngine(() => [faceAlong(0)]));
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'faceflow-outside-')));
    secret = await photo('#aa2222');
    writeFileSync(join(outside, 'secret.jpg'), secret);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(outside, { recursive: true, force: true });
  });

  /** POST JSON, giving up after 3 s: a request held by a blocking open fails the test instead of hanging it. */
  async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${server.api.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...server.api.authHeaders(), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(3000),
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    return { status: res.status, body: (await res.json()) as T };
  }

  async function average(path: string): Promise<JobJson> {
    const { status, body } = await post<JobJson>('/api/jobs/average', { path });
    expect(status, JSON.stringify(body)).toBe(202);
    return server.api.waitFor<JobJson>(`/api/jobs/${body.id}`, (job) => job.state !== 'preparing', 3000);
  }

  const secretStored = () => allFiles(join(server.dataDir, 'blobs')).includes(sha256(secret));

  it('a path import of a FIFO or of a link to /dev/zero is refused at once with a 4xx JSON error', {
    timeout: 10_000,
  }, async () => {
    execFileSync('mkfifo', [join(server.importRoot, 'pipe.jpg')]);
    symlinkSync('/dev/zero', join(server.importRoot, 'zero.jpg'));
    for (const path of ['pipe.jpg', join(server.importRoot, 'pipe.jpg')]) {
      const res = await post<ErrorJson>('/api/images', { path });
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({
        path,
        status: 422,
        code: 'invalid_image',
      });
    }
    const zero = await post<ErrorJson>('/api/images', { path: 'zero.jpg' });
    expect([zero.status, zero.body.error.code]).toEqual([403, 'forbidden_path']);
    // the server is still answering file-system work (sign-in, uploads) after several such requests
    await Promise.all([1, 2, 3, 4].map(() => post<ErrorJson>('/api/images', { path: 'pipe.jpg' })));
    const upload = await server.api.upload<IngestJson>('/api/images', [
      { name: 'ok.jpg', bytes: await photo('#33aa33') },
    ]);
    expect(upload.status).toBe(201);
  });

  it('a folder import passes over a FIFO in it, as a rejected file', { timeout: 10_000 }, async () => {
    const folder = join(server.importRoot, 'with-fifo');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.jpg'), await photo('#2222aa'));
    execFileSync('mkfifo', [join(folder, 'b.jpg')]);
    const res = await post<IngestJson>('/api/images', { path: 'with-fifo' });
    expect(res.status).toBe(201);
    expect(res.body.images.map((i) => i.file)).toEqual([join(folder, 'a.jpg')]);
    expect(res.body.rejected.map((r) => [r.file, r.error.code])).toEqual([
      [join(folder, 'b.jpg'), 'invalid_image'],
    ]);
  });

  it('a folder data set does not read photos through a link to a folder outside the roots', {
    timeout: 10_000,
  }, async () => {
    const set = join(server.importRoot, 'set-linked');
    mkdirSync(set);
    writeFileSync(join(set, 'a.jpg'), await photo('#22aaaa'));
    symlinkSync(outside, join(set, 'elsewhere'));
    symlinkSync(join(outside, 'secret.jpg'), join(set, 'secret.jpg'));
    const job = await average('set-linked');
    expect(job.state).toBe('running');
    expect(job.progress.photosTotal).toBe(1);
    expect(job.rejected).toEqual([
      { entry: 'elsewhere', reason: 'unsafe_path' },
      { entry: 'secret.jpg', reason: 'unsafe_path' },
    ]);
    expect(JSON.stringify(job)).not.toContain(outside);
    expect(secretStored()).toBe(false);
  });

  it('a list data set refuses outside paths, existing or not, in the same words', {
    timeout: 10_000,
  }, async () => {
    writeFileSync(join(server.importRoot, 'inside.jpg'), await photo('#aaaa22'));
    const lines = [
      'inside.jpg',
      join(outside, 'secret.jpg'),
      join(outside, 'missing.jpg'),
      `../${outside.split('/').pop()}/secret.jpg`,
      `../${outside.split('/').pop()}/missing.jpg`,
    ];
    writeFileSync(join(server.importRoot, 'list.txt'), `${lines.join('\n')}\n`);
    const job = await average('list.txt');
    expect(job.state).toBe('running');
    expect(job.progress.photosTotal).toBe(1);
    expect(job.rejected).toEqual(lines.slice(1).map((entry) => ({ entry, reason: 'unsafe_path' })));
    expect(secretStored()).toBe(false);
  });

  it('a data set with link loops is read once per photo, and finishes', { timeout: 10_000 }, async () => {
    const set = join(server.importRoot, 'set-loops');
    mkdirSync(set);
    writeFileSync(join(set, 'a.jpg'), await photo('#aa22aa'));
    writeFileSync(join(set, 'b.jpg'), await photo('#22aa22'));
    symlinkSync('.', join(set, 'self'));
    symlinkSync('.', join(set, 'again'));
    const job = await average('set-loops');
    expect(job.state).toBe('running');
    expect(job.progress.photosTotal).toBe(2);
  });

  it('a data set that is a FIFO fails with a clear error; a FIFO in a folder data set is rejected', {
    timeout: 10_000,
  }, async () => {
    execFileSync('mkfifo', [join(server.importRoot, 'pipe-list.txt')]);
    const failed = await average('pipe-list.txt');
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('invalid_input');
    const set = join(server.importRoot, 'set-fifo');
    mkdirSync(set);
    writeFileSync(join(set, 'a.jpg'), await photo('#555555'));
    execFileSync('mkfifo', [join(set, 'b.jpg')]);
    const job = await average('set-fifo');
    expect(job.state).toBe('running');
    expect(job.rejected).toEqual([{ entry: 'b.jpg', reason: 'not_a_file' }]);
  });
});
