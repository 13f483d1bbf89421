import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtpauthCodes } from '../../src/adapters/totp-otpauth/otpauth-codes.ts';
import { signIn, signInAsAdmin, TEST_ADMIN } from '../helpers/api-client.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';

// What the server logs at the most verbose level while people sign in, use tokens, cookies and API keys:
// no password, access or refresh token, cookie value or API key appears in the captured log output.
describe('no credential reaches the log', () => {
  let dir: string;
  let server: ChildServer;
  const secrets: string[] = [TEST_ADMIN.password];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-logs-'));
    const env = {
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'trace',
      ENGINE_THREADS: '1',
      WORKER_CONCURRENCY: '0',
    };
    server = await startChildServer(env);
    const admin = await signInAsAdmin(server.url, env);
    secrets.push(admin.token as string);

    // A login answer with both tokens and cookies, as a script gets it.
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: TEST_ADMIN.name, password: TEST_ADMIN.password }),
    });
    expect(login.status).toBe(200);
    const session = (await login.json()) as { accessToken: string; refreshToken?: string };
    secrets.push(session.accessToken);
    if (session.refreshToken) secrets.push(session.refreshToken);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0] as string);
    for (const c of cookies) secrets.push(c.split('=').slice(1).join('='));

    // A wrong password, a cookie-authenticated call, a refresh, an API key made and used.
    const wrong = 'wrong-password-do-not-log-42';
    secrets.push(wrong);
    const failed = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: TEST_ADMIN.name, password: wrong }),
    });
    expect(failed.status).toBe(401);
    const viaCookie = await fetch(`${server.url}/api/people`, { headers: { cookie: cookies.join('; ') } });
    expect(viaCookie.status).toBe(200);
    const refreshed = await fetch(`${server.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { cookie: cookies.join('; ') },
    });
    expect(refreshed.status).toBe(200);
    const renewed = (await refreshed.json()) as { accessToken: string };
    secrets.push(renewed.accessToken);
    const key = await admin.json<{ key: string }>('POST', '/api/keys', { name: 'log-test', role: 'viewer' });
    expect(key.status).toBe(201);
    secrets.push(key.body.key);
    const viaKey = await fetch(`${server.url}/api/people`, { headers: { 'x-api-key': key.body.key } });
    expect(viaKey.status).toBe(200);
    const badKey = await fetch(`${server.url}/api/people`, { headers: { 'x-api-key': `${key.body.key}x` } });
    expect(badKey.status).toBe(401);
    // A request that fails inside a route, with credentials on it.
    const bad = await admin.json('POST', '/api/people', '{"name":');
    expect(bad.status).toBe(400);
    // The same admin signing in again through the helper (a second session).
    secrets.push((await signIn(server.url, TEST_ADMIN.name, TEST_ADMIN.password)).token as string);

    // Two-factor sign-in: the secret, the recovery codes and the key that seals the secret stay out too.
    const setup = await admin.json<{ secret: string; otpauthUrl: string }>('POST', '/api/auth/totp/setup');
    expect(setup.status).toBe(200);
    secrets.push(setup.body.secret, setup.body.otpauthUrl);
    const codes = new OtpauthCodes();
    const enabled = await admin.json<{ recoveryCodes: string[] }>('POST', '/api/auth/totp/enable', {
      code: codes.codeAt(setup.body.secret, Date.now()),
    });
    expect(enabled.status).toBe(200);
    secrets.push(...enabled.body.recoveryCodes);
    secrets.push(readFileSync(join(dir, 'data', 'totp-key'), 'utf8').trim());
    for (const code of [
      codes.codeAt(setup.body.secret, Date.now() + 30_000),
      enabled.body.recoveryCodes[0],
    ]) {
      const withCode = await fetch(`${server.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: TEST_ADMIN.name, password: TEST_ADMIN.password, code }),
      });
      expect(withCode.status).toBe(200);
      secrets.push(((await withCode.json()) as { accessToken: string }).accessToken);
    }
  });
  afterAll(async () => {
    await killIfRunning(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('logged every request, and none of the secrets', async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    const log = server.output();
    // The log is really verbose: requests and their answers are in it.
    expect(log).toMatch(/"url":"\/api\/auth\/login"/);
    expect(log).toMatch(/"status":401/);
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log.includes(secret), `a secret of ${secret.length} characters is in the log`).toBe(false);
      // Not even the signature part of a JWT.
      const signature = secret.split('.')[2];
      if (signature) expect(log.includes(signature)).toBe(false);
    }
  });
});
