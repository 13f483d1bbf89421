import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, type ErrorJson, signIn, TEST_ADMIN } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';

const PASSWORD = 'a-long-enough-password';
const FULLWIDTH_MARIE = '\uff2d\uff41\uff52\uff49\uff45'; // "Ｍａｒｉｅ"

/**
 * Sign-in and account hardening on the real server: lock-out that does not tell which names exist, the
 * per-address limit against password spraying, password rules, token revocation on a new password, and
 * user and person names. Each test signs in from its own client address (X-Forwarded-For, TRUST_PROXY),
 * so the per-address counters of one test do not reach the next.
 */
describe('sign-in and account hardening', () => {
  let server: TestServer;
  let admin: ApiClient;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer(
      { TRUST_PROXY: 'true', LOGIN_ADDRESS_MAX_FAILURES: '6', LOGIN_ADDRESS_WINDOW: '10m' },
      new ScriptedEngine(() => []),
    );
    admin = server.api;
    base = server.running.url;
  });
  afterAll(() => server?.stop());

  const login = async (name: string, password: string, address: string) => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({ name, password, includeRefreshToken: true }),
    });
    const body = (await res.json()) as ErrorJson & { accessToken?: string; refreshToken?: string };
    return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
  };
  const createUser = (name: string, password = PASSWORD, role = 'editor') =>
    admin.json<ErrorJson & { id: string; name: string }>('POST', '/api/users', { name, password, role });

  it('an unknown name locks exactly like a known one: same statuses, codes, messages and Retry-After', async () => {
    expect((await createUser('lena')).status).toBe(201);
    const known: Array<Awaited<ReturnType<typeof login>>> = [];
    const unknown: Array<Awaited<ReturnType<typeof login>>> = [];
    for (let i = 0; i < 6; i++) {
      known.push(await login('lena', 'wrong-password-123', '10.1.0.1'));
      unknown.push(await login('no-such-user', 'wrong-password-123', '10.1.0.2'));
    }
    // The lock's seconds left may tick over between the two requests of a round on a busy machine:
    // the answers must be the same apart from that count.
    const seconds = (a: (typeof known)[number]) => Number(a.retryAfter ?? Number.NaN);
    unknown.forEach((a, i) => {
      const k = known[i] as (typeof known)[number];
      if (k.retryAfter !== null) expect(Math.abs(seconds(a) - seconds(k))).toBeLessThanOrEqual(1);
    });
    const withoutSeconds = (a: (typeof known)[number]) =>
      JSON.stringify({ ...a, retryAfter: a.retryAfter !== null }).replace(/\d+ s\b/g, 'N s');
    expect(unknown.map(withoutSeconds)).toEqual(known.map(withoutSeconds));
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(known[4]).toMatchObject({ body: { error: { code: 'locked' } } });
    expect(seconds(known[4] as (typeof known)[number])).toBeGreaterThanOrEqual(29);
    // Locked: the right password is refused like any other, and the same way for the unknown name.
    const right = await login('lena', PASSWORD, '10.1.0.1');
    const other = await login('no-such-user', PASSWORD, '10.1.0.2');
    expect([right.status, right.body.error.code]).toEqual([429, 'locked']);
    expect([other.status, other.body.error.code]).toEqual([429, 'locked']);
  });

  it('refuses an address after too many failed sign-ins across names with 429 and Retry-After, whatever the name', async () => {
    const spray = '10.2.0.1';
    for (const name of ['ann', 'ben', 'cid', 'dot', 'eve', 'fay'])
      expect((await login(name, 'Spring-is-here-7', spray)).status).toBe(401);
    const refused = await login(TEST_ADMIN.name, TEST_ADMIN.password, spray);
    expect([refused.status, refused.body.error.code]).toEqual([429, 'rate_limited']);
    expect(refused.body.error.message).toMatch(/too many failed sign-ins from this address/);
    expect(Number(refused.retryAfter)).toBeGreaterThan(500);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(600);
    // Another address signs in.
    expect((await login(TEST_ADMIN.name, TEST_ADMIN.password, '10.2.0.2')).status).toBe(200);
  });

  it('refuses common and repeated passwords with 400 and a message that says why, on create and change', async () => {
    for (const [password, why] of [
      ['password1234', /most common passwords/],
      ['QWERTYUIOPAS', /most common passwords/],
      ['Welcome2024!', /common password with digits or symbols added/],
      ['zzzzzzzzzzzzzz', /one character repeated/],
      ['abcabcabcabc', /pattern of 3 characters repeated/],
    ] as const) {
      const res = await createUser(`weak-${password.length}-${password.charCodeAt(0)}`, password);
      expect([password, res.status, res.body.error?.code]).toEqual([password, 400, 'invalid_input']);
      expect(res.body.error.message).toMatch(why);
    }
    const user = await createUser('pat');
    const change = await admin.json<ErrorJson>('PATCH', `/api/users/${user.body.id}`, {
      password: 'iloveyou1234',
    });
    expect([change.status, change.body.error.code]).toEqual([400, 'invalid_input']);
    expect(change.body.error.message).toMatch(/too easy to guess/);
  });

  it('a new password ends the access tokens and refresh tokens of that user at once', async () => {
    const user = await createUser('tom');
    const session = await login('tom', PASSWORD, '10.3.0.1');
    const me = () =>
      fetch(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${session.body.accessToken}` } });
    expect((await me()).status).toBe(200);
    const changed = await admin.json('PATCH', `/api/users/${user.body.id}`, { password: `${PASSWORD}-2` });
    expect(changed.status).toBe(200);
    const after = await me();
    expect(after.status).toBe(401);
    expect(((await after.json()) as ErrorJson).error.message).toMatch(/revoked/);
    const refresh = await fetch(`${base}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.body.refreshToken }),
    });
    expect(refresh.status).toBe(401);
    const tom = await signIn(base, 'tom', `${PASSWORD}-2`);
    expect((await tom.json('GET', '/api/auth/me')).status).toBe(200);
  });

  it('user names: one account whatever the case or width, stored normalised; bidi and zero-width refused', async () => {
    const created = await createUser(FULLWIDTH_MARIE);
    expect([created.status, created.body.name]).toEqual([201, 'Marie']);
    for (const taken of ['marie', 'MARIE', '\uff4d\uff41\uff52\uff49\uff45']) {
      const dup = await createUser(taken);
      expect([taken, dup.status, dup.body.error.code]).toEqual([taken, 409, 'conflict']);
    }
    for (const spelling of ['Marie', 'marie', 'MARIE', FULLWIDTH_MARIE])
      expect([spelling, (await login(spelling, PASSWORD, '10.4.0.1')).status]).toEqual([spelling, 200]);
    for (const name of [
      'adm\u202ein',
      'ad\u200bmin',
      'admin\u2066',
      '\u200fadmin',
      'ad\ufeffmin',
      'ad\u0007min',
    ]) {
      const res = await createUser(name);
      expect([JSON.stringify(name), res.status, res.body.error.code]).toEqual([
        JSON.stringify(name),
        400,
        'invalid_input',
      ]);
      expect(res.body.error.message).toMatch(/invisible or direction-changing characters \(found U\+/);
    }
  });

  it('person names: bidi, zero-width and control characters refused on create and rename', async () => {
    const person = await admin.json<{ id: string }>('POST', '/api/people', { name: 'Zoë Dupont' });
    expect(person.status).toBe(201);
    for (const name of ['Eve\u202egnp.exe', 'Zo\u200bë', '\u2067Zoë', 'Zoë\u061c', 'Zo\u0085ë']) {
      const create = await admin.json<ErrorJson>('POST', '/api/people', { name });
      const rename = await admin.json<ErrorJson>('PATCH', `/api/people/${person.body.id}`, { name });
      for (const res of [create, rename]) {
        expect([JSON.stringify(name), res.status, res.body.error.code]).toEqual([
          JSON.stringify(name),
          400,
          'invalid_input',
        ]);
        expect(res.body.error.message).toMatch(/invisible or direction-changing characters/);
      }
    }
    const people = (await admin.json<{ people: { name: string }[] }>('GET', '/api/people')).body.people;
    expect(people.map((p) => p.name)).toEqual(['Zoë Dupont']);
  });
});
