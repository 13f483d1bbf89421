import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorJson, TEST_ADMIN } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';

// Cross-site request forgery: a write authenticated by the session cookie (what a browser attaches on its
// own) must come from the server's own origin, or one listed in CORS_ORIGINS. Origin decides; without it
// Sec-Fetch-Site; with neither the write is refused. Bearer tokens and API keys are not sent by a browser
// on its own and are left alone.
const LISTED = 'https://photos.example.org';
const EVIL = 'https://evil.example.net';

describe('cookie-authenticated writes must come from our own origin', () => {
  let server: TestServer;
  let own: string;
  let cookie: string;
  let names = 0;

  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: LISTED }, new ScriptedEngine(() => []));
    own = new URL(server.running.url).origin;
    const login = await fetch(`${server.running.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(TEST_ADMIN),
    });
    expect(login.status).toBe(200);
    const access = login.headers.getSetCookie().find((c) => c.startsWith('ff_access='));
    cookie = (access ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^ff_access=.+/);
  });
  afterAll(() => server?.stop());

  /** POST /api/people (an editor write) with these headers; answers the status and error code. */
  async function createPerson(headers: Record<string, string>) {
    const res = await fetch(`${server.running.url}/api/people`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: `person-${++names}` }),
    });
    const body = (await res.json()) as Partial<ErrorJson>;
    return { status: res.status, code: body.error?.code };
  }

  const peopleCount = async () =>
    (await server.api.json<{ people: unknown[] }>('GET', '/api/people?limit=500')).body.people.length;

  it('refuses a cross-site Origin with 403 forbidden_origin and stores nothing', async () => {
    const before = await peopleCount();
    for (const origin of [
      EVIL,
      'null',
      // Look-alikes of our own origin: another port, host, a suffix, a path.
      own.replace(/:(\d+)$/, (_m, port: string) => `:${Number(port) + 1}`),
      own.replace('127.0.0.1', 'localhost'),
      `${own}.evil.net`,
      `${own}/`,
    ]) {
      expect([origin, await createPerson({ cookie, origin })]).toEqual([
        origin,
        { status: 403, code: 'forbidden_origin' },
      ]);
    }
    expect(await peopleCount()).toBe(before);
  });

  it('accepts the same Origin, and an origin listed in CORS_ORIGINS', async () => {
    expect(await createPerson({ cookie, origin: own })).toEqual({ status: 201, code: undefined });
    // Reached over plain HTTP, an https page of the same host and port is ours behind a TLS proxy whose
    // X-Forwarded-Proto is not trusted (no other server can hold that port).
    expect(await createPerson({ cookie, origin: own.replace('http:', 'https:') })).toEqual({
      status: 201,
      code: undefined,
    });
    expect(await createPerson({ cookie, origin: LISTED })).toEqual({ status: 201, code: undefined });
  });

  it('without Origin: Sec-Fetch-Site cross-site or same-site is refused, same-origin accepted', async () => {
    for (const site of ['cross-site', 'same-site'])
      expect(await createPerson({ cookie, 'sec-fetch-site': site })).toEqual({
        status: 403,
        code: 'forbidden_origin',
      });
    expect(await createPerson({ cookie, 'sec-fetch-site': 'same-origin' })).toEqual({
      status: 201,
      code: undefined,
    });
    // Origin, when present, decides over Sec-Fetch-Site.
    expect(await createPerson({ cookie, origin: EVIL, 'sec-fetch-site': 'same-origin' })).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
  });

  it('refuses a cookie write that states neither Origin nor Sec-Fetch-Site (browsers always send one)', async () => {
    expect(await createPerson({ cookie })).toEqual({ status: 403, code: 'forbidden_origin' });
  });

  it('leaves cookie reads alone, and Bearer and API-key writes whatever their Origin says', async () => {
    const read = await fetch(`${server.running.url}/api/people`, { headers: { cookie, origin: EVIL } });
    expect(read.status).toBe(200);
    const bearer = server.api.authHeaders();
    expect(await createPerson({ ...bearer, origin: EVIL })).toEqual({ status: 201, code: undefined });
    expect(await createPerson({ ...bearer, cookie, 'sec-fetch-site': 'cross-site' })).toEqual({
      status: 201,
      code: undefined,
    });
    const key = await server.api.json<{ key: string }>('POST', '/api/keys', { name: 'ci', role: 'editor' });
    expect(key.status).toBe(201);
    expect(await createPerson({ 'x-api-key': key.body.key, origin: EVIL })).toEqual({
      status: 201,
      code: undefined,
    });
  });

  it('checks the origin before the credential: a cross-site write with a bad cookie is refused too', async () => {
    expect(await createPerson({ cookie: 'ff_access=not-a-token', origin: EVIL })).toEqual({
      status: 403,
      code: 'forbidden_origin',
    });
    expect(await createPerson({ cookie: 'ff_access=not-a-token', origin: own })).toEqual({
      status: 401,
      code: 'unauthorized',
    });
  });
});

describe('AUTH=disabled on loopback: a page of another origin cannot write either', () => {
  it('refuses a write stating another origin; scripts (no Origin) and our own pages go on', async () => {
    const server = await startTestServer(
      { AUTH: 'disabled', HOST: '127.0.0.1' },
      new ScriptedEngine(() => []),
    );
    try {
      const post = (headers: Record<string, string>) =>
        fetch(`${server.running.url}/api/people`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ name: 'Ann' }),
        });
      const refused = await post({ origin: EVIL });
      expect([refused.status, ((await refused.json()) as ErrorJson).error.code]).toEqual([
        403,
        'forbidden_origin',
      ]);
      expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect((await post({})).status).toBe(201);
      expect((await post({ origin: new URL(server.running.url).origin })).status).toBe(201);
    } finally {
      await server.stop();
    }
  });
});
