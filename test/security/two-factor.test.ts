import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtpauthCodes } from '../../src/adapters/totp-otpauth/otpauth-codes.ts';
import { type ApiClient, type ErrorJson, signIn } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';

const PASSWORD = 'a-long-enough-password';
const STEP_MS = 30_000;
const codes = new OtpauthCodes();

interface LoginAnswer extends Partial<ErrorJson> {
  accessToken?: string;
  refreshToken?: string;
}

/**
 * Two-factor sign-in on the real server, with TOTP_REQUIRED=admin: enrolment, sign-in with a code, replay
 * and recovery codes, every bad input (4xx JSON), the admin's reset, and API keys left alone. Codes are
 * computed here from the secret the server gave, as an authenticator app would.
 */
describe('two-factor sign-in (TOTP)', () => {
  let server: TestServer;
  let admin: ApiClient;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer(
      { TRUST_PROXY: 'true', TOTP_REQUIRED: 'admin' },
      new ScriptedEngine(() => []),
    );
    admin = server.api;
    base = server.running.url;
  });
  afterAll(() => server?.stop());

  const login = async (name: string, code: string | undefined, address: string, password = PASSWORD) => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify({
        name,
        password,
        includeRefreshToken: true,
        ...(code === undefined ? {} : { code }),
      }),
    });
    return { status: res.status, body: (await res.json()) as LoginAnswer };
  };
  const enrol = async (client: ApiClient) => {
    const setup = await client.json<{ secret: string; otpauthUrl: string }>('POST', '/api/auth/totp/setup');
    expect(setup.status).toBe(200);
    const enabled = await client.json<{ recoveryCodes: string[] }>('POST', '/api/auth/totp/enable', {
      code: codes.codeAt(setup.body.secret, Date.now()),
    });
    expect(enabled.status).toBe(200);
    return { secret: setup.body.secret, recoveryCodes: enabled.body.recoveryCodes };
  };

  it('a role that requires 2FA may only enrol until it is on; then everything opens, and it cannot be turned off', async () => {
    const blocked = await admin.json<ErrorJson>('GET', '/api/users');
    expect([blocked.status, blocked.body.error.code]).toEqual([403, 'totp_enrollment_required']);
    expect((await admin.json('GET', '/api/auth/me')).body).toMatchObject({ user: { mustEnrolTotp: true } });
    expect((await admin.json('GET', '/api/auth/totp')).body).toEqual({
      enabled: false,
      required: true,
      pending: false,
      recoveryCodesLeft: 0,
    });
    const { secret } = await enrol(admin);
    expect((await admin.json('GET', '/api/users')).status).toBe(200);
    expect((await admin.json('GET', '/api/auth/me')).body).not.toMatchObject({
      user: { mustEnrolTotp: true },
    });
    const off = await admin.json<ErrorJson>('POST', '/api/auth/totp/disable', {
      code: codes.codeAt(secret, Date.now() + STEP_MS),
    });
    expect([off.status, off.body.error.code]).toEqual([409, 'conflict']);
  });

  it('enrols, then signs in only with a code; a code and a recovery code work once; bad input is 4xx JSON', async () => {
    const created = await admin.json<{ id: string }>('POST', '/api/users', {
      name: 'otto',
      password: PASSWORD,
      role: 'editor',
    });
    expect(created.status).toBe(201);
    const otto = await signIn(base, 'otto', PASSWORD);
    const anonymous = otto.anonymous();

    // Without sign-in: 401; enable before setup: 409; malformed codes: 400; all JSON errors.
    const bad: [string, { status: number; body: ErrorJson }, number, string][] = [
      ['setup signed out', await anonymous.json('POST', '/api/auth/totp/setup'), 401, 'unauthorized'],
      [
        'enable signed out',
        await anonymous.json('POST', '/api/auth/totp/enable', { code: '123456' }),
        401,
        'unauthorized',
      ],
      [
        'enable without setup',
        await otto.json('POST', '/api/auth/totp/enable', { code: '123456' }),
        409,
        'conflict',
      ],
      [
        'disable while off',
        await otto.json('POST', '/api/auth/totp/disable', { code: '123456' }),
        409,
        'conflict',
      ],
    ];
    const setup = await otto.json<{ secret: string; otpauthUrl: string }>('POST', '/api/auth/totp/setup');
    expect(setup.status).toBe(200);
    const { secret, otpauthUrl } = setup.body;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/faceflow:otto\?/);
    for (const code of ['12345', '1234567', 'abcdef', '12345a', '', 'x'.repeat(100)])
      bad.push([
        `enable ${JSON.stringify(code)}`,
        await otto.json('POST', '/api/auth/totp/enable', { code }),
        400,
        'invalid_input',
      ]);
    bad.push(['enable no code', await otto.json('POST', '/api/auth/totp/enable', {}), 400, 'invalid_input']);
    bad.push([
      'enable number',
      await otto.json('POST', '/api/auth/totp/enable', { code: 123456 }),
      400,
      'invalid_input',
    ]);
    bad.push([
      'enable not JSON',
      await otto.json('POST', '/api/auth/totp/enable', '{"code":', { 'content-type': 'application/json' }),
      400,
      'invalid_input',
    ]);
    const wrong = codes.codeAt(secret, Date.now() + 10 * STEP_MS);
    bad.push([
      'enable wrong code',
      await otto.json('POST', '/api/auth/totp/enable', { code: wrong }),
      401,
      'invalid_code',
    ]);
    for (const [what, res, status, code] of bad) {
      expect([what, res.status, res.body?.error?.code]).toEqual([what, status, code]);
      expect(typeof res.body.error.message).toBe('string');
    }
    // Still off after all that: sign-in needs no code.
    expect((await login('otto', undefined, '10.9.0.1')).status).toBe(200);

    const enabled = await otto.json<{ recoveryCodes: string[] }>('POST', '/api/auth/totp/enable', {
      code: codes.codeAt(secret, Date.now()),
    });
    expect(enabled.status).toBe(200);
    const { recoveryCodes } = enabled.body;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const again = await otto.json<ErrorJson>('POST', '/api/auth/totp/setup');
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    // The secret is never answered again.
    const status = await otto.json('GET', '/api/auth/totp');
    expect(status.body).toEqual({ enabled: true, required: false, pending: false, recoveryCodesLeft: 10 });
    const list = await admin.json<{ users: { name: string; totpEnabled: boolean }[] }>('GET', '/api/users');
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.users.find((u) => u.name === 'otto')?.totpEnabled).toBe(true);

    const address = '10.9.0.2';
    const noCode = await login('otto', undefined, address);
    expect([noCode.status, noCode.body.error?.code]).toEqual([401, 'totp_required']);
    expect(noCode.body.accessToken).toBeUndefined();
    for (const code of ['12345', 'abcdef', '1234-5678'])
      expect([code, (await login('otto', code, address)).status]).toEqual([code, 400]);
    const wrongAtLogin = await login('otto', '000000', address);
    expect([wrongAtLogin.status, wrongAtLogin.body.error?.code]).toEqual([401, 'invalid_code']);
    // The next step's code (±1 step is accepted) is later than the one that turned 2FA on.
    const code = codes.codeAt(secret, Date.now() + STEP_MS);
    const signedIn = await login('otto', code, address);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.accessToken).toBeTruthy();
    const replay = await login('otto', code, address);
    expect([replay.status, replay.body.error?.code]).toEqual([401, 'invalid_code']);

    const recovery = recoveryCodes[0] as string;
    expect((await login('otto', recovery.toUpperCase(), address)).status).toBe(200);
    const reused = await login('otto', recovery, address);
    expect([reused.status, reused.body.error?.code]).toEqual([401, 'invalid_code']);
    expect((await otto.json('GET', '/api/auth/totp')).body).toMatchObject({ recoveryCodesLeft: 9 });

    // Turning it off needs a code: a wrong one is refused, a recovery code does it.
    const offWrong = await otto.json<ErrorJson>('POST', '/api/auth/totp/disable', { code: '000000' });
    expect([offWrong.status, offWrong.body.error.code]).toEqual([401, 'invalid_code']);
    const offBad = await otto.json<ErrorJson>('POST', '/api/auth/totp/disable', { code: 'nope' });
    expect([offBad.status, offBad.body.error.code]).toEqual([400, 'invalid_input']);
    expect((await otto.json('POST', '/api/auth/totp/disable', { code: recoveryCodes[1] })).status).toBe(204);
    expect((await login('otto', undefined, '10.9.0.3')).status).toBe(200);
  });

  it('wrong codes lock the account like wrong passwords (429 with Retry-After)', async () => {
    expect(
      (await admin.json('POST', '/api/users', { name: 'lotte', password: PASSWORD, role: 'viewer' })).status,
    ).toBe(201);
    const lotte = await signIn(base, 'lotte', PASSWORD);
    const { secret } = await enrol(lotte);
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) answers.push((await login('lotte', '000000', '10.9.1.1')).status);
    expect(answers).toEqual([401, 401, 401, 401, 429]);
    const locked = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.1.1' },
      body: JSON.stringify({
        name: 'lotte',
        password: PASSWORD,
        code: codes.codeAt(secret, Date.now() + STEP_MS),
      }),
    });
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as ErrorJson).error.code).toBe('locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it("an admin resets a user's second factor (audited, sessions ended); API keys never need a code", async () => {
    const created = await admin.json<{ id: string }>('POST', '/api/users', {
      name: 'rita',
      password: PASSWORD,
      role: 'editor',
    });
    const rita = await signIn(base, 'rita', PASSWORD);
    await enrol(rita);
    const key = await admin.json<{ key: string }>('POST', '/api/keys', { name: 'robot', role: 'editor' });
    expect(key.status).toBe(201);
    const byKey = await fetch(`${base}/api/auth/me`, { headers: { 'x-api-key': key.body.key } });
    expect(byKey.status).toBe(200);
    const keySetup = await fetch(`${base}/api/auth/totp/setup`, {
      method: 'POST',
      headers: { 'x-api-key': key.body.key },
    });
    expect([keySetup.status, ((await keySetup.json()) as ErrorJson).error.code]).toEqual([403, 'forbidden']);

    const missing = await admin.json<ErrorJson>('DELETE', '/api/users/usr_missing/totp');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    const byEditor = await rita.json<ErrorJson>('DELETE', `/api/users/${created.body.id}/totp`);
    expect([byEditor.status, byEditor.body.error.code]).toEqual([403, 'forbidden']);
    expect((await admin.json('DELETE', `/api/users/${created.body.id}/totp`)).status).toBe(204);
    expect((await login('rita', undefined, '10.9.2.1')).status).toBe(200);
    const audit = await admin.json<{ entries: { action: string; target: { id: string } | null }[] }>(
      'GET',
      '/api/audit?limit=50',
    );
    const actions = audit.body.entries.filter((e) => e.target?.id === created.body.id).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.totp_enabled', 'user.totp_reset']));
  });
});
