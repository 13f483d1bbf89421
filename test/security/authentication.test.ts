import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JoseTokenSigner } from '../../src/adapters/jwt-jose/jose-token-signer.ts';
import { GENERATED_SECRET_FILE } from '../../src/adapters/jwt-jose/signing-key.ts';
import { type ApiClient, type ErrorJson, signIn, TEST_ADMIN } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';
import { SseClient } from '../helpers/sse-client.ts';

/** Routes anyone may call: sign-in and setup, and what a probe or the UI shell needs. */
const PUBLIC = new Set([
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'GET /api/auth/config',
  'GET /api/auth/setup',
  'POST /api/auth/setup',
]);
/** Writes on the caller's own account that any signed-in user may make (their second factor). */
const OWN_ACCOUNT_WRITES = new Set([
  'POST /api/auth/totp/setup',
  'POST /api/auth/totp/enable',
  'POST /api/auth/totp/disable',
]);
const ADMIN_GETS = [/^\/api\/users/, /^\/api\/keys/, /^\/api\/audit/];
const PASSWORD = 'a-long-enough-password';

interface Route {
  method: string;
  path: string;
}

/** Every /api route the server has, from Fastify's own route table (a new route cannot be forgotten). */
function apiRoutes(server: TestServer): Route[] {
  const routes: Route[] = [];
  const prefixes: string[] = [];
  for (const line of server.running.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)/.exec(line);
    if (!match?.[2] || !match[3]) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (prefixes[depth - 1] ?? '') + match[2];
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    if (!path.startsWith('/api')) continue;
    for (const method of match[3].split(', '))
      if (method !== 'HEAD') routes.push({ method, path: path.replace(/:[A-Za-z]+/g, 'x_1') });
  }
  return routes;
}

const key = (r: Route) => `${r.method} ${r.path}`;
const routeOf = (r: Route) => key(r).replace(/x_1/g, ':id');

async function call(base: string, route: Route, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${route.path}`, {
    method: route.method,
    headers:
      route.method === 'GET' || route.method === 'DELETE'
        ? headers
        : { ...headers, 'content-type': 'application/json' },
    body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as ErrorJson | null, res };
}

function cookies(res: Response): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    map.set(pair.slice(0, eq), line);
  }
  return map;
}

const cookieValue = (line: string | undefined) => line?.split(';')[0]?.split('=').slice(1).join('=') ?? '';

describe('authentication and roles on the real server', () => {
  let server: TestServer;
  let admin: ApiClient;
  let viewer: ApiClient;
  let routes: Route[];

  beforeAll(async () => {
    server = await startTestServer({}, new ScriptedEngine(() => []));
    admin = server.api;
    const created = await admin.json('POST', '/api/users', {
      name: 'vera',
      password: PASSWORD,
      role: 'viewer',
    });
    expect(created.status).toBe(201);
    viewer = await signIn(server.running.url, 'vera', PASSWORD);
    routes = apiRoutes(server);
  });
  afterAll(() => server?.stop());

  it('finds the routes to check (images, people, events, users, keys, auth)', () => {
    const names = routes.map(routeOf);
    for (const expected of [
      'GET /api/images',
      'POST /api/images',
      'GET /api/events',
      'DELETE /api/people/:id',
      'GET /api/users',
      'POST /api/keys',
      'POST /api/auth/login',
    ])
      expect(names).toContain(expected);
  });

  it('answers 401 unauthorized on every non-public /api route without a credential', async () => {
    const open: string[] = [];
    for (const route of routes) {
      if (PUBLIC.has(routeOf(route))) continue;
      const { status, body } = await call(server.running.url, route);
      if (status !== 401 || body?.error.code !== 'unauthorized') open.push(`${key(route)} → ${status}`);
    }
    expect(open).toEqual([]);
    // An unknown /api path matches no route and reaches no handler: the JSON 404, credential or not
    // (route-spellings.test.ts tries the other spellings of every private path).
    for (const method of ['GET', 'POST']) {
      const unknown = await call(server.running.url, { method, path: '/api/nope' });
      expect([method, unknown.status, unknown.body?.error.code]).toEqual([method, 404, 'not_found']);
    }
  });

  it('answers 403 forbidden to a viewer on every write route and on admin reads', async () => {
    const allowed: string[] = [];
    const headers = viewer.authHeaders();
    for (const route of routes) {
      if (PUBLIC.has(routeOf(route)) || OWN_ACCOUNT_WRITES.has(routeOf(route))) continue;
      const adminRead = route.method === 'GET' && ADMIN_GETS.some((re) => re.test(route.path));
      if (route.method === 'GET' && !adminRead) continue;
      const { status, body } = await call(server.running.url, route, headers);
      if (status !== 403 || body?.error.code !== 'forbidden') allowed.push(`${key(route)} → ${status}`);
    }
    expect(allowed).toEqual([]);
    expect((await viewer.json('GET', '/api/images')).status).toBe(200);
    expect((await viewer.json('GET', '/api/auth/me')).body).toMatchObject({
      user: { name: 'vera', role: 'viewer', kind: 'user' },
    });
  });

  it('refuses expired, forged, tampered and alg:none access tokens', async () => {
    const secret = readFileSync(join(server.dataDir, GENERATED_SECRET_FILE), 'utf8').trim();
    const me = (await admin.json<{ user: { id: string } }>('GET', '/api/auth/me')).body.user;
    const claims = { sub: me.id, name: TEST_ADMIN.name, role: 'admin' as const, gen: 0 };
    const real = JoseTokenSigner.fromSecret(secret);
    // Sanity: a token made here with the server's key is accepted, so the refusals below are about the token.
    expect(
      (
        await call(
          server.running.url,
          { method: 'GET', path: '/api/auth/me' },
          { authorization: `Bearer ${await real.sign(claims, 60)}` },
        )
      ).status,
    ).toBe(200);
    const viewerToken = viewer.token as string;
    const [h, p, s] = viewerToken.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url')}.${s}`;
    const bad = {
      expired: await real.sign(claims, -30),
      forged: await JoseTokenSigner.fromSecret(`${secret}-not-the-servers`).sign(claims, 60),
      tampered,
      algNone: new UnsecuredJWT({ ...payload, role: 'admin' }).setSubject(me.id).encode(),
      noTyp: await new SignJWT({ name: 'x', role: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(me.id)
        .setIssuer('faceflow')
        .setAudience('faceflow-api')
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(secret)),
      garbage: 'not.a.token',
    };
    for (const [name, token] of Object.entries(bad)) {
      const res = await call(
        server.running.url,
        { method: 'GET', path: '/api/users' },
        { authorization: `Bearer ${token}` },
      );
      expect([name, res.status, res.body?.error.code]).toEqual([name, 401, 'unauthorized']);
    }
    expect(
      (await call(server.running.url, { method: 'GET', path: '/api/images' }, { authorization: 'Basic abc' }))
        .status,
    ).toBe(401);
  });

  it('API keys: shown once, work as Bearer or X-API-Key with their role, record last use, die when revoked', async () => {
    const created = await admin.json<{ id: string; key: string; role: string }>('POST', '/api/keys', {
      name: 'ci-reader',
      role: 'viewer',
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ffk_/);
    const bearer = { authorization: `Bearer ${created.body.key}` };
    expect((await call(server.running.url, { method: 'GET', path: '/api/images' }, bearer)).status).toBe(200);
    expect(
      (
        await call(
          server.running.url,
          { method: 'GET', path: '/api/people' },
          { 'x-api-key': created.body.key },
        )
      ).status,
    ).toBe(200);
    expect((await call(server.running.url, { method: 'POST', path: '/api/people' }, bearer)).status).toBe(
      403,
    );
    const listed = await admin.json<{ keys: { id: string; lastUsedAt: string | null; key?: string }[] }>(
      'GET',
      '/api/keys',
    );
    const row = listed.body.keys.find((k) => k.id === created.body.id);
    expect(row?.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect((await admin.json('DELETE', `/api/keys/${created.body.id}`)).status).toBe(204);
    const after = await call(server.running.url, { method: 'GET', path: '/api/images' }, bearer);
    expect([after.status, after.body?.error.code]).toEqual([401, 'unauthorized']);
    expect((await admin.json('DELETE', `/api/keys/${created.body.id}`)).status).toBe(404);
    const bad = await admin.json<ErrorJson>('POST', '/api/keys', { name: 'x', role: 'root' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_input']);
    expect((await admin.json<{ keys: unknown[] }>('GET', '/api/keys')).body.keys).toHaveLength(1);
  });

  it('login sets httpOnly SameSite=Strict cookies; refresh rotates; a reused refresh token and logout revoke', async () => {
    const login = await fetch(`${server.running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'vera', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const jar = cookies(login);
    const access = jar.get('ff_access') ?? '';
    const refresh = jar.get('ff_refresh') ?? '';
    expect(access).toMatch(/HttpOnly/i);
    expect(access).toMatch(/SameSite=Strict/i);
    expect(access).toMatch(/Path=\//);
    expect(refresh).toMatch(/Path=\/api\/auth/);
    // Plain http on loopback: no Secure flag, or the browser would drop the cookies.
    expect(access).not.toMatch(/Secure/i);
    expect(((await login.json()) as { refreshToken?: string }).refreshToken).toBeUndefined();

    // The access cookie authenticates (the browser UI), the event stream included.
    const cookieHeader = { cookie: `ff_access=${cookieValue(access)}` };
    expect(
      (await call(server.running.url, { method: 'GET', path: '/api/auth/me' }, cookieHeader)).status,
    ).toBe(200);
    const sse = await SseClient.connect(`${server.running.url}/api/events`, undefined, cookieHeader);
    await sse.close();
    await expect(SseClient.connect(`${server.running.url}/api/events`)).rejects.toThrow(/401/);

    const refreshWith = (token: string) =>
      fetch(`${server.running.url}/api/auth/refresh`, {
        method: 'POST',
        headers: { cookie: `ff_refresh=${token}` },
      });
    const first = cookieValue(refresh);
    const rotated = await refreshWith(first);
    expect(rotated.status).toBe(200);
    const second = cookieValue(cookies(rotated).get('ff_refresh'));
    expect(second).not.toBe(first);
    // The old one again: refused, and the whole sign-in is revoked (the new one dies too).
    expect((await refreshWith(first)).status).toBe(401);
    expect((await refreshWith(second)).status).toBe(401);

    // Scripts: refresh token in the body, on request.
    const script = await fetch(`${server.running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'vera', password: PASSWORD, includeRefreshToken: true }),
    });
    const { refreshToken } = (await script.json()) as { refreshToken: string };
    const viaBody = await fetch(`${server.running.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    const next = ((await viaBody.json()) as { refreshToken: string }).refreshToken;
    expect(next).toMatch(/^ffr_/);
    const logout = await fetch(`${server.running.url}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: next }),
    });
    expect(logout.status).toBe(204);
    expect(cookies(logout).get('ff_access')).toMatch(/Expires=Thu, 01 Jan 1970/);
    const afterLogout = await fetch(`${server.running.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: next }),
    });
    expect(afterLogout.status).toBe(401);
  });

  it('locks an account after repeated wrong passwords: 429 locked with Retry-After, even for the right one', async () => {
    expect(
      (await admin.json('POST', '/api/users', { name: 'lou', password: PASSWORD, role: 'editor' })).status,
    ).toBe(201);
    const attempt = (password: string) =>
      fetch(`${server.running.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'lou', password }),
      });
    for (let i = 0; i < 4; i++) {
      const res = await attempt('wrong-password-123');
      expect([res.status, ((await res.json()) as ErrorJson).error.code]).toEqual([
        401,
        'invalid_credentials',
      ]);
    }
    const locked = await attempt('wrong-password-123');
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as ErrorJson).error.code).toBe('locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await attempt(PASSWORD);
    expect([right.status, right.headers.get('retry-after')]).toEqual([429, expect.any(String)]);
    // Unknown names answer like wrong passwords (no user enumeration).
    const unknown = await fetch(`${server.running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nobody', password: PASSWORD }),
    });
    expect([unknown.status, ((await unknown.json()) as ErrorJson).error.code]).toEqual([
      401,
      'invalid_credentials',
    ]);
  });

  it('user admin: bad input is 400 and stores nothing; the last admin stays; a deleted user is locked out at once', async () => {
    const before = (await admin.json<{ users: unknown[] }>('GET', '/api/users')).body.users.length;
    for (const body of [
      { name: 'shorty', password: 'short', role: 'viewer' },
      { name: 'bad name', password: PASSWORD, role: 'viewer' },
      { name: 'ok', password: PASSWORD, role: 'superuser' },
    ]) {
      const res = await admin.json<ErrorJson>('POST', '/api/users', body);
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_input']);
    }
    const dup = await admin.json<ErrorJson>('POST', '/api/users', {
      name: 'vera',
      password: PASSWORD,
      role: 'admin',
    });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'conflict']);
    expect((await admin.json<{ users: unknown[] }>('GET', '/api/users')).body.users).toHaveLength(before);
    const me = (await admin.json<{ user: { id: string } }>('GET', '/api/auth/me')).body.user;
    expect((await admin.json('DELETE', `/api/users/${me.id}`)).status).toBe(409);
    expect((await admin.json('PATCH', `/api/users/${me.id}`, { role: 'viewer' })).status).toBe(409);
    const temp = await admin.json<{ id: string }>('POST', '/api/users', {
      name: 'temp',
      password: PASSWORD,
      role: 'editor',
    });
    const tempClient = await signIn(server.running.url, 'temp', PASSWORD);
    expect((await tempClient.json('GET', '/api/images')).status).toBe(200);
    expect((await admin.json('DELETE', `/api/users/${temp.body.id}`)).status).toBe(204);
    expect((await tempClient.json('GET', '/api/images')).status).toBe(401);
  });

  it('public: health, docs, the OpenAPI document with its bearer scheme, and the auth config', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
      expect([path, (await fetch(`${server.running.url}${path}`)).status]).toEqual([path, 200]);
    const doc = (await (await fetch(`${server.running.url}/openapi.json`)).json()) as {
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
      security: unknown[];
    };
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security.length).toBeGreaterThan(0);
    const config = await admin.anonymous().json('GET', '/api/auth/config');
    expect(config.body).toEqual({ authDisabled: false, setupNeeded: false, session: 'none' });

    // What the browser's session cookies are worth, so the UI asks nothing that answers 401.
    const login = await fetch(`${server.running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: TEST_ADMIN.name, password: TEST_ADMIN.password }),
    });
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0] as string);
    const access = cookies.find((c) => c.startsWith('ff_access='));
    const refresh = cookies.find((c) => c.startsWith('ff_refresh='));
    expect([access, refresh].every(Boolean)).toBe(true);
    const sessionWith = async (cookie: string) =>
      (await admin.anonymous().json<{ session: string }>('GET', '/api/auth/config', undefined, { cookie }))
        .body.session;
    expect(await sessionWith(`${access}; ${refresh}`)).toBe('active');
    expect(await sessionWith(refresh as string)).toBe('expired');
    expect(await sessionWith(`ff_access=forged.token.here; ${refresh}`)).toBe('expired');
    expect(await sessionWith('ff_access=forged.token.here')).toBe('none');
  });
});

describe('AUTH=disabled on loopback, and METRICS_AUTH', () => {
  it('AUTH=disabled: every request is the local admin, and /api/auth/config says so (the UI banner)', async () => {
    const server = await startTestServer(
      { AUTH: 'disabled', HOST: '127.0.0.1' },
      new ScriptedEngine(() => []),
    );
    try {
      const anonymous = server.api.anonymous();
      expect((await anonymous.json('GET', '/api/auth/config')).body).toEqual({
        authDisabled: true,
        setupNeeded: false,
        session: 'none',
      });
      expect((await anonymous.json('GET', '/api/auth/me')).body).toMatchObject({
        user: { kind: 'local', role: 'admin' },
      });
      expect((await anonymous.json('POST', '/api/people', { name: 'Ann' })).status).toBe(201);
      expect(server.running.setup).toBeNull();
    } finally {
      await server.stop();
    }
  });

  it('METRICS_AUTH=enabled: /metrics needs a credential, probes stay open', async () => {
    const server = await startTestServer({ METRICS_AUTH: 'enabled' }, new ScriptedEngine(() => []));
    try {
      expect((await fetch(`${server.running.url}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`${server.running.url}/metrics`, { headers: server.api.authHeaders() })).status,
      ).toBe(200);
      expect((await fetch(`${server.running.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
