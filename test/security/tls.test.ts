import { rmSync, writeFileSync } from 'node:fs';
import { connect, constants } from 'node:http2';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllConfig, loadApiConfig } from '../../src/config/roles.config.ts';
import { killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { makeTestCertificate, type TestCertificate } from './test-certificate.ts';

// TLS_CERT/TLS_KEY: the API serves HTTPS with HTTP/2 and HTTP/1.1 on one port, with HSTS; a bad TLS
// config stops the start with a message naming the key. The certificate is made at test time.

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  alpn?: string;
}

function https1(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, alpn: String(res.httpVersion) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/2 request; `until` ends a streaming answer early (SSE). */
function http2Get(
  origin: string,
  path: string,
  ca: Buffer,
  headers: Record<string, string> = {},
  until?: (body: string) => boolean,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = connect(origin, { ca });
    session.on('error', reject);
    const stream = session.request({ [constants.HTTP2_HEADER_PATH]: path, ...headers });
    let answerHeaders: Record<string, string | string[] | undefined> = {};
    let body = '';
    const finish = () => {
      resolve({
        status: Number(answerHeaders[':status']),
        headers: answerHeaders,
        body,
        alpn: session.alpnProtocol,
      });
      stream.close();
      session.close();
    };
    stream.on('response', (h) => {
      answerHeaders = h;
    });
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      body += d;
      if (until?.(body)) finish();
    });
    stream.on('end', finish);
    stream.on('error', reject);
  });
}

describe('TLS: HTTPS and HTTP/2 from TLS_CERT and TLS_KEY', () => {
  let cert: TestCertificate;
  let server: TestServer;

  beforeAll(async () => {
    cert = makeTestCertificate();
    // AUTH=disabled (loopback): the test helper signs in with fetch, which does not trust the test CA;
    // this test is about the transport, and authentication over it is the same code as over HTTP.
    server = await startTestServer(
      { TLS_CERT: cert.certFile, TLS_KEY: cert.keyFile, AUTH: 'disabled' },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
  });
  afterAll(async () => {
    await server?.stop();
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  it('gives an https:// URL', () => {
    expect(server.running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers HTTPS over HTTP/1.1 with HSTS and the CSP upgrading sub-resources', async () => {
    const res = await https1(`${server.running.url}/healthz`, cert.ca);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
    expect(res.alpn).toBe('1.1');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
  });

  it('answers HTTP/2 (ALPN h2) with the same API, headers and JSON errors', async () => {
    const ok = await http2Get(server.running.url, '/api/people', cert.ca, server.api.authHeaders());
    expect(ok.alpn).toBe('h2');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toHaveProperty('people');
    expect(ok.headers['strict-transport-security']).toBeDefined();
    const missing = await http2Get(
      server.running.url,
      '/api/images/img_nope',
      cert.ca,
      server.api.authHeaders(),
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('not_found');
  });

  it('streams live events over HTTP/2', async () => {
    const res = await http2Get(server.running.url, '/api/events', cert.ca, server.api.authHeaders(), (body) =>
      body.includes('retry:'),
    );
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toContain('text/event-stream');
    expect(res.body).toContain('retry: 2000');
  });

  it('`faceflow all` prints an https:// URL that answers', async () => {
    const child = await startChildServer(
      { TLS_CERT: cert.certFile, TLS_KEY: cert.keyFile, DATA_DIR: join(cert.dir, 'cli-data') },
      ['all'],
      60_000,
      /faceflow is running at (https:\/\/\S+)/,
    );
    try {
      expect(child.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await https1(`${child.url}/healthz`, cert.ca)).status).toBe(200);
    } finally {
      await killIfRunning(child);
    }
  });

  it('refuses a client that does not trust the certificate', async () => {
    await expect(https1(`${server.running.url}/healthz`, Buffer.from(''))).rejects.toThrow();
  });
});

describe('TLS: a bad TLS configuration stops the start, naming the key', () => {
  let cert: TestCertificate;
  beforeAll(() => {
    cert = makeTestCertificate();
  });
  afterAll(() => {
    if (cert) rmSync(cert.dir, { recursive: true, force: true });
  });

  it('wants both keys', () => {
    expect(() => loadAllConfig({ TLS_CERT: cert.certFile })).toThrow(/TLS_KEY: must be set too/);
    expect(() => loadApiConfig({ TLS_KEY: cert.keyFile })).toThrow(/TLS_CERT: must be set too/);
  });

  it('wants readable files', () => {
    const missing = join(cert.dir, 'missing.pem');
    expect(() => loadAllConfig({ TLS_CERT: missing, TLS_KEY: cert.keyFile })).toThrow(
      /TLS_CERT: not a readable file/,
    );
    expect(() => loadAllConfig({ TLS_CERT: cert.certFile, TLS_KEY: missing })).toThrow(
      /TLS_KEY: not a readable file/,
    );
  });

  it('`faceflow all` exits with a message naming the key when the files are not a certificate and its key', async () => {
    const other = makeTestCertificate();
    const notPem = join(cert.dir, 'not-a-key.pem');
    writeFileSync(notPem, 'hello');
    try {
      for (const [env, message] of [
        [{ TLS_CERT: cert.certFile, TLS_KEY: notPem }, /TLS_KEY: .*not-a-key.pem holds no PEM private key/],
        [{ TLS_CERT: notPem, TLS_KEY: cert.keyFile }, /TLS_CERT: .*not-a-key.pem holds no PEM certificate/],
        [
          { TLS_CERT: cert.certFile, TLS_KEY: other.keyFile },
          /TLS_KEY: does not belong to the certificate in TLS_CERT/,
        ],
        [{ TLS_CERT: cert.certFile }, /TLS_KEY: must be set too/],
      ] as const) {
        const started = startChildServer({ ...env, DATA_DIR: join(cert.dir, 'data') }, ['all'], 60_000);
        const error = await started.then(
          () => null,
          (e: Error) => e,
        );
        expect(error?.message).toMatch(/server exited \(1\) before starting/);
        expect(error?.message).toMatch(message);
      }
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
