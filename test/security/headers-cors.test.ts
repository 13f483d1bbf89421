import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

// Security headers and CORS on the real server (`faceflow all` in this process, scripted engine).
const LISTED = 'https://photos.example.org';
const UNLISTED = 'https://evil.example.net';

describe('security headers and CORS', () => {
  let server: TestServer;
  let closed: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      { CORS_ORIGINS: `${LISTED}, http://localhost:5173` },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
    closed = await startTestServer({}, new ScriptedEngine(() => [faceAlong(0)]));
  });
  afterAll(async () => {
    await server?.stop();
    await closed?.stop();
  });

  const get = (base: TestServer, path: string, headers: Record<string, string> = {}) =>
    fetch(`${base.api.baseUrl}${path}`, { headers });

  it('serves the UI with a strict CSP: same-origin scripts and styles, no inline script, no framing', async () => {
    const res = await get(server, '/', { accept: 'text/html' });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(directives.get('media-src')).toContain('mediastream:');
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // Plain HTTP: no upgrade of sub-resources and no HSTS.
    expect(directives.has('upgrade-insecure-requests')).toBe(false);
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('permissions-policy')).toContain('camera=(self)');
    expect(res.headers.get('x-powered-by')).toBeNull();
    // The built index.html has nothing inline that the policy would block.
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('gives /docs (Swagger UI) inline styles but still only same-origin scripts', async () => {
    const res = await get(server, '/docs/', { accept: 'text/html' });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self';");
    const api = await get(server, '/api/images');
    expect(api.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('sets the headers on API answers and errors too', async () => {
    // Anonymous: refused (401) before any route, still with every header.
    const res = await get(server, '/api/nothing-here');
    expect([401, 404]).toContain(res.status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/unauthorized|not_found/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('answers a preflight from a listed origin with that origin and credentials', async () => {
    const res = await fetch(`${server.api.baseUrl}/api/images`, {
      method: 'OPTIONS',
      headers: {
        origin: LISTED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('vary')).toContain('Origin');
    const simple = await get(server, '/healthz', { origin: LISTED });
    expect(simple.headers.get('access-control-allow-origin')).toBe(LISTED);
    expect(simple.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  it('gives an unlisted origin no CORS headers (the browser refuses the call)', async () => {
    const res = await fetch(`${server.api.baseUrl}/api/images`, {
      method: 'OPTIONS',
      headers: { origin: UNLISTED, 'access-control-request-method': 'POST' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const simple = await get(server, '/healthz', { origin: UNLISTED });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    // A look-alike of a listed origin (other scheme, port or a suffix) is not listed either.
    for (const origin of ['http://photos.example.org', `${LISTED}:8443`, `${LISTED}.evil.net`, 'null']) {
      const r = await get(server, '/healthz', { origin });
      expect(r.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('is closed by default: without CORS_ORIGINS no origin gets CORS headers', async () => {
    const res = await fetch(`${closed.api.baseUrl}/api/images`, {
      method: 'OPTIONS',
      headers: { origin: LISTED, 'access-control-request-method': 'GET' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await get(closed, '/healthz', { origin: LISTED });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});
