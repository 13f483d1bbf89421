import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorJson, IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { allFiles, sha256 } from '../support/files.ts';

// Input hardening on the real server (`faceflow all` in this process, scripted engine): path imports
// never read outside IMPORT_ROOTS, whatever the spelling; error bodies carry no stack, SQL or paths
// outside the root; oversized bodies are 413 JSON; the UI's static files cannot be left by `..`.
const MAX_UPLOAD_BYTES = 50_000;

describe('input hardening', () => {
  let server: TestServer;
  let outside: string;
  let secretPng: Buffer;

  beforeAll(async () => {
    server = await startTestServer(
      { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES), WORKER_CONCURRENCY: '0' },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
    // A photo outside the root that a traversal would import, and a sibling folder whose name starts
    // like the root's (a prefix check would let it in).
    outside = mkdtempSync(join(tmpdir(), 'faceflow-outside-'));
    secretPng = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    writeFileSync(join(outside, 'secret.png'), secretPng);
    const sibling = `${server.importRoot}-evil`;
    mkdirSync(sibling, { recursive: true });
    writeFileSync(join(sibling, 'secret.png'), secretPng);
    symlinkSync(join(outside, 'secret.png'), join(server.importRoot, 'link-to-secret.png'));
    symlinkSync(outside, join(server.importRoot, 'link-to-outside'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(outside, { recursive: true, force: true });
    rmSync(`${server?.importRoot}-evil`, { recursive: true, force: true });
  });

  /** The secret photo's bytes were never stored, and no row exists. */
  async function expectSecretNotStored(): Promise<void> {
    expect(allFiles(join(server.dataDir, 'blobs'))).not.toContain(sha256(secretPng));
    const { body } = await server.api.json<{ images: { file: string }[] }>('GET', '/api/images?limit=100');
    expect(body.images.filter((i) => i.file.includes('secret'))).toEqual([]);
  }

  /** An error body that says nothing of stacks, SQL or the file system outside the root. */
  function expectCleanError(status: number, body: unknown): void {
    const text = JSON.stringify(body);
    expect(status, text).toBeGreaterThanOrEqual(400);
    expect(status, text).toBeLessThan(500);
    const error = (body as ErrorJson).error;
    expect(typeof error.code).toBe('string');
    expect(error.message.length).toBeGreaterThan(0);
    expect(text).not.toContain(outside);
    expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/src\/|\.ts:\d/);
    expect(text).not.toMatch(/\bSELECT\b|\bINSERT\b|\bsqlite\b|SQLITE_|syntax error at/i);
    expect(text).not.toContain('/etc/');
  }

  const importPath = (path: string) => server.api.json<ErrorJson>('POST', '/api/images', { path });

  /** Each path import is refused with this status and code, and a clean error body. */
  async function expectImportRefused(paths: string[], status: number, code: string): Promise<void> {
    for (const path of paths) {
      const res = await importPath(path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status, code });
      expectCleanError(res.status, res.body);
    }
  }

  it('refuses `..` in every spelling, absolute paths outside the roots and a look-alike sibling', async () => {
    const root = server.importRoot;
    const forbidden = [
      '../outside/secret.png',
      `../${outside.split('/').pop()}/secret.png`,
      `${root}/../${outside.split('/').pop()}/secret.png`,
      'a/../../secret.png',
      '..\\..\\etc\\passwd',
      '..',
      `${outside}/secret.png`,
      '/etc/passwd',
      `${root}-evil/secret.png`,
      'link-to-secret.png',
      'link-to-outside/secret.png',
      'link-to-outside',
      `${root}/link-to-secret.png`,
    ];
    await expectImportRefused(forbidden, 403, 'forbidden_path');
    await expectSecretNotStored();
  });

  it('takes URL-encoded dots literally: a name inside the root, which does not exist', async () => {
    await expectImportRefused(
      ['%2e%2e/%2e%2e/etc/passwd', '%2e%2e%2fsecret.png', '..%2fsecret.png', '%252e%252e/x'],
      404,
      'not_found',
    );
    // JSON escapes are just another spelling of `..`.
    const escaped = await server.api.json<ErrorJson>(
      'POST',
      '/api/images',
      '{"path":"\\u002e\\u002e/\\u002e\\u002e/etc/passwd"}',
    );
    expect(escaped.status).toBe(403);
    expect(escaped.body.error.code).toBe('forbidden_path');
    // A NUL byte never reaches the file system.
    const nul = await importPath('ok.png\u0000../../etc/passwd');
    expect(nul.status).toBe(400);
    expectCleanError(nul.status, nul.body);
    await expectSecretNotStored();
  });

  it('imports a folder but not the links in it that lead out of the root', async () => {
    const folder = join(server.importRoot, 'album');
    mkdirSync(folder);
    const inside = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#654321' } })
      .png()
      .toBuffer();
    writeFileSync(join(folder, 'a-inside.png'), inside);
    symlinkSync(join(outside, 'secret.png'), join(folder, 'b-secret.png'));
    symlinkSync(outside, join(folder, 'c-outside-dir'));
    const res = await server.api.json<IngestJson>('POST', '/api/images', { path: 'album' });
    expect(res.status).toBe(201);
    expect(res.body.images.map((i) => i.file)).toEqual([expect.stringMatching(/a-inside\.png$/)]);
    expect(res.body.rejected.map((r) => r.error.code).sort()).toEqual(['forbidden_path', 'forbidden_path']);
    expect(JSON.stringify(res.body)).not.toContain(outside);
    await expectSecretNotStored();
  });

  it('answers malformed and mistyped bodies with a 4xx JSON error and nothing else', async () => {
    const cases: [string, string, BodyInit, Record<string, string>][] = [
      ['POST', '/api/images', '{"path": ', { 'content-type': 'application/json' }],
      ['POST', '/api/people', '{"name": 12}', { 'content-type': 'application/json' }],
      ['POST', '/api/people', '<xml/>', { 'content-type': 'application/xml' }],
      ['POST', '/api/images', 'x', { 'content-type': 'multipart/form-data; boundary=zz' }],
      ['POST', '/api/images', 'x', { 'content-type': 'multipart/form-data' }],
      [
        'POST',
        '/api/identify',
        '--zz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc',
        { 'content-type': 'multipart/form-data; boundary=zz' },
      ],
      ['GET', "/api/images/img_' OR 1=1 --", '', {}],
      ['GET', '/api/images?limit=-1&status=%00', '', {}],
      [
        'PATCH',
        '/api/people/per_x%27%3B%20DROP%20TABLE%20images',
        '{"name":"x"}',
        { 'content-type': 'application/json' },
      ],
    ];
    for (const [method, path, body, headers] of cases) {
      const res = await fetch(`${server.api.baseUrl}${path}`, {
        method,
        headers: { ...server.api.authHeaders(), ...headers },
        body: method === 'GET' ? undefined : body,
      });
      const text = await res.text();
      expect(res.headers.get('content-type'), `${method} ${path}`).toContain('application/json');
      expectCleanError(res.status, JSON.parse(text));
    }
  });

  it('refuses NUL characters in ids, queries and JSON bodies with 400, and strips control characters from file names', async () => {
    const people = (await server.api.json<{ people: unknown[] }>('GET', '/api/people')).body.people.length;
    for (const [method, path, body] of [
      ['POST', '/api/people', { name: 'Eve\u0000Admin' }],
      ['POST', '/api/people', { name: 'ok', 'x\u0000': 1 }],
      ['GET', '/api/images/img_%00x', undefined],
      ['GET', '/api/images?q=a%00b', undefined],
    ] as const) {
      const res = await server.api.json<ErrorJson>(method, path, body);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({
        path,
        status: 400,
        code: 'invalid_input',
      });
    }
    expect((await server.api.json<{ people: unknown[] }>('GET', '/api/people')).body.people.length).toBe(
      people,
    );
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#0c0b0a' } })
      .png()
      .toBuffer();
    const up = await server.api.upload<IngestJson>('/api/images', [
      { name: 'tab\there\u0001.png', bytes: png },
    ]);
    expect(up.status).toBe(201);
    expect(up.body.images[0]?.file).toBe('tabhere.png');
  });

  it('answers a JSON body over the 1 MiB body limit with 413 JSON', async () => {
    const big = JSON.stringify({ path: 'x'.repeat(1_100_000) });
    const res = await server.api.json<ErrorJson>('POST', '/api/images', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expectCleanError(res.status, res.body);
  });

  it('answers multipart limits (file size, field count) with 413 JSON and stores nothing', async () => {
    const blobs = server.blobCount();
    const tooBig = await server.api.upload<ErrorJson>('/api/images', [
      { name: 'big.png', bytes: new Uint8Array(MAX_UPLOAD_BYTES + 1000) },
    ]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    const form = new FormData();
    for (let i = 0; i < 60; i++) form.append(`field${i}`, 'x');
    const fields = await fetch(`${server.api.baseUrl}/api/images`, {
      method: 'POST',
      body: form,
      headers: server.api.authHeaders(),
    });
    const body = (await fields.json()) as ErrorJson;
    expect(fields.status).toBe(413);
    expect(body.error.code).toBe('payload_too_large');
    expect(server.blobCount()).toBe(blobs);
  });

  it('keeps the good files of an upload that also holds one over the limit, and reports that one', async () => {
    const small = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#0a0b0c' } })
      .png()
      .toBuffer();
    const res = await server.api.upload<IngestJson>('/api/images', [
      { name: 'too-big.png', bytes: new Uint8Array(MAX_UPLOAD_BYTES + 1000) },
      { name: 'small.png', bytes: small },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.images.map((i) => i.file)).toEqual(['small.png']);
    expect(res.body.rejected).toEqual([
      { file: 'too-big.png', error: { code: 'payload_too_large', message: expect.any(String) } },
    ]);
  });

  it("never serves a file outside the UI's folder", async () => {
    for (const path of [
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/../../package.json',
      '/..%2fpackage.json',
      '/%2e%2e/package.json',
      '/assets/%2e%2e%2f%2e%2e%2fsrc%2fhttp%2fserver.ts',
    ]) {
      const res = await fetch(`${server.api.baseUrl}${path}`, { headers: { accept: 'text/html' } });
      const text = await res.text();
      expect(text, path).not.toContain('"name": "faceflow"');
      expect(text, path).not.toContain('buildHttpServer');
    }
  });
});
