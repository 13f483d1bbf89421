import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoseTokenSigner } from '../../adapters/jwt-jose/jose-token-signer.ts';
import { SqlAuditLog } from '../../adapters/sql/audit-log.sql.ts';
import { SqlUserStore } from '../../adapters/sql/user-store.sql.ts';
import { openSqlite, type SqliteHandle } from '../../adapters/sqlite/sqlite-database.ts';
import { OtpauthCodes } from '../../adapters/totp-otpauth/otpauth-codes.ts';
import { LOCAL_OPERATOR } from '../../core/principal.ts';
import { createApiKey, revokeApiKey } from './api-keys.ts';
import { AddressLimitedError, AuthService, LockedError } from './auth-service.ts';
import { lockoutMs } from './lockout.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';
import { SecretBox } from './secret-box.ts';
import { TwoFactorService } from './two-factor.ts';
import { createUser, deleteUser, updateUser } from './user-admin.ts';

const PASSWORD = 'correct horse battery';
const SECRET = 'unit-test-secret-unit-test-secret-0123';

describe('passwords and lock-out policy', () => {
  it('hashes with a per-user salt and verifies in constant time', async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, a)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'garbage')).toBe(false);
  });

  it('needs at least 12 characters', () => {
    expect(() => checkPasswordPolicy('short')).toThrow(/at least 12/);
    expect(() => checkPasswordPolicy('xq7-Lm2#pR9v')).not.toThrow();
  });

  it('refuses common passwords (any case, or a common word padded with digits and symbols) and repeats', () => {
    const refusals: [string, RegExp][] = [
      ['password1234', /most common passwords/],
      ['PASSWORD1234', /most common passwords/],
      ['123456789012', /most common passwords/],
      ['QwertyUiopAs', /most common passwords/],
      ['iloveyou1234', /most common passwords/],
      ['\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff441234', /most common passwords/],
      ['Password2024!', /common password with digits or symbols added/],
      ['!!letmein!!!!', /common password with digits or symbols added/],
      ['aaaaaaaaaaaa', /one character repeated/],
      ['????????????????', /one character repeated/],
      ['abcabcabcabc', /pattern of 3 characters repeated/],
      ['xyzwxyzwxyzwx', /pattern of 4 characters repeated/],
    ];
    for (const [password, why] of refusals) {
      const error = (() => {
        try {
          checkPasswordPolicy(password);
        } catch (e) {
          return e as { code: string; message: string };
        }
      })();
      expect([password, error?.code]).toEqual([password, 'invalid_input']);
      expect(error?.message).toMatch(/too easy to guess/);
      expect(error?.message).toMatch(why);
      // The message never repeats the password.
      expect(error?.message).not.toContain(password);
    }
    for (const fine of [PASSWORD, 'abcdeabcdeabcde', 'password manager says hi', 'Tr0ub4dor&3-horse'])
      expect(() => checkPasswordPolicy(fine)).not.toThrow();
  });

  it('locks from the fifth failure, doubling, at most 15 minutes', () => {
    expect([1, 4, 5, 6, 7, 40].map(lockoutMs)).toEqual([0, 0, 30_000, 60_000, 120_000, 900_000]);
  });
});

describe('AuthService', () => {
  let handle: SqliteHandle;
  let users: SqlUserStore;
  let auth: AuthService;
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const signer = JoseTokenSigner.fromSecret(SECRET);
  let twoFactor: TwoFactorService;

  beforeEach(async () => {
    handle = await openSqlite(':memory:');
    users = new SqlUserStore(handle.db);
    twoFactor = new TwoFactorService({
      users,
      clock,
      codes: new OtpauthCodes(),
      box: new SecretBox(SECRET),
      issuer: 'faceflow',
      requiredRoles: new Set(),
    });
    auth = new AuthService({
      twoFactor,
      users,
      signer,
      clock,
      settings: { accessTtlSeconds: 900, refreshTtlSeconds: 3600 },
    });
  });
  afterEach(() => handle.close());

  it('signs in, authenticates the access token, and refuses wrong passwords and unknown names alike', async () => {
    const alice = await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'editor' });
    const session = await auth.login('alice', PASSWORD);
    expect(session.user).toEqual({ id: alice.id, name: 'alice', role: 'editor' });
    expect(await auth.authenticate(session.accessToken)).toEqual({
      kind: 'user',
      id: alice.id,
      name: 'alice',
      role: 'editor',
    });
    await expect(auth.login('alice', 'wrong password!')).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    await expect(auth.login('nobody', PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('locks the account after repeated failures, even for the right password, until the time is over', async () => {
    await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'viewer' });
    for (let i = 0; i < 4; i++)
      await expect(auth.login('alice', 'wrong password!')).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
    const locked = await auth.login('alice', 'wrong password!').catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(LockedError);
    expect((locked as LockedError).retryAfterSeconds).toBe(30);
    await expect(auth.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'locked' });
    now += 31_000;
    await expect(auth.login('alice', PASSWORD)).resolves.toMatchObject({ user: { name: 'alice' } });
    expect(await users.loginFailures('name:alice')).toBeUndefined();
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole sign-in', async () => {
    await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'viewer' });
    const first = await auth.login('alice', PASSWORD);
    const second = await auth.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(auth.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    // The copy was used: the legitimate holder's newer token is dead too.
    await expect(auth.refresh(second.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    const third = await auth.login('alice', PASSWORD);
    now += 3601_000;
    await expect(auth.refresh(third.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(auth.refresh('ffr_unknown')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('logout revokes the refresh token', async () => {
    await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'viewer' });
    const session = await auth.login('alice', PASSWORD);
    await auth.logout(session.refreshToken);
    await expect(auth.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(auth.logout(undefined)).resolves.toBeUndefined();
  });

  it('API keys authenticate until revoked and record when they were last used', async () => {
    const { key, record } = await createApiKey(
      { users, clock },
      { name: 'ci', role: 'editor' },
      { kind: 'local', id: 'local', name: 'local', role: 'admin' },
    );
    expect(key).toMatch(/^ffk_/);
    expect(await auth.authenticate(key)).toEqual({
      kind: 'api_key',
      id: record.id,
      name: 'ci',
      role: 'editor',
    });
    expect((await users.listApiKeys())[0]?.lastUsedAt).toBe(now);
    await revokeApiKey({ users, clock }, record.id, LOCAL_OPERATOR);
    await expect(auth.authenticate(key)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(revokeApiKey({ users, clock }, record.id, LOCAL_OPERATOR)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('records user and key changes in the audit log, by whom, without passwords or keys', async () => {
    const audit = new SqlAuditLog(handle.db, clock);
    const deps = { users, clock, audit };
    const admin = { kind: 'user' as const, id: 'u-admin', name: 'root', role: 'admin' as const };
    const carol = await createUser(deps, { name: 'carol', password: PASSWORD, role: 'viewer' }, admin);
    await updateUser(deps, carol.id, { role: 'editor', password: `${PASSWORD}!` }, admin);
    const { key, record } = await createApiKey(deps, { name: 'ci', role: 'viewer' }, admin);
    await revokeApiKey(deps, record.id, admin);
    await deleteUser(deps, carol.id, admin);
    const { entries } = await audit.list({ limit: 10 });
    expect(entries.map((e) => e.action).reverse()).toEqual([
      'user.created',
      'user.updated',
      'key.created',
      'key.revoked',
      'user.deleted',
    ]);
    for (const e of entries) expect(e.actor).toEqual({ kind: 'user', id: 'u-admin', name: 'root' });
    expect(entries.find((e) => e.action === 'user.updated')?.details).toEqual({
      name: 'carol',
      role: 'editor',
      passwordChanged: true,
    });
    const text = JSON.stringify(entries);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(key);
  });

  it('a deleted user or a changed role takes effect on the next request', async () => {
    const admin = await createUser({ users, clock }, { name: 'root', password: PASSWORD, role: 'admin' });
    const bob = await createUser({ users, clock }, { name: 'bob', password: PASSWORD, role: 'editor' });
    const session = await auth.login('bob', PASSWORD);
    await updateUser({ users, clock }, bob.id, { role: 'viewer' });
    expect((await auth.authenticate(session.accessToken)).role).toBe('viewer');
    await expect(auth.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    const actor = { kind: 'user' as const, id: admin.id, name: 'root', role: 'admin' as const };
    await deleteUser({ users, clock }, bob.id, actor);
    await expect(auth.authenticate(session.accessToken)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(deleteUser({ users, clock }, admin.id, actor)).rejects.toMatchObject({ code: 'conflict' });
    await expect(updateUser({ users, clock }, admin.id, { role: 'viewer' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      createUser({ users, clock }, { name: 'bad name!', password: PASSWORD, role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(await users.countUsers()).toBe(1);
  });

  it('first-run setup: a one-time token creates the first admin, once', async () => {
    expect(await auth.setupNeeded()).toBe(true);
    const issued = await auth.issueSetupToken();
    if (!issued) throw new Error('no setup token');
    await expect(auth.setup(issued.token, 'root', 'short')).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(auth.setup(issued.token, 'root', 'qwerty123456')).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/too easy to guess/),
    });
    await expect(auth.setup(issued.token, 'ro\u202eot', PASSWORD)).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/bidirectional override/),
    });
    await expect(auth.setup('wrong-token', 'root', PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
    const session = await auth.setup(issued.token, '\uff52\uff4f\uff4f\uff54', PASSWORD);
    expect(session.user).toMatchObject({ name: 'root', role: 'admin' });
    expect((await auth.login('ROOT', PASSWORD)).user.id).toBe(session.user.id);
    await expect(auth.setup(issued.token, 'eve', PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await auth.setupNeeded()).toBe(false);
    expect(await auth.issueSetupToken()).toBeNull();
  });

  /** What a failed sign-in answered: the error's class, code, message and Retry-After. */
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => 'signed in',
      (e: unknown) => {
        const error = e as { constructor: { name: string }; code: string; message: string };
        const retry = (e as { retryAfterSeconds?: number }).retryAfterSeconds;
        return [error.constructor.name, error.code, error.message, retry];
      },
    );

  it('unknown names lock exactly like known ones: same answers after the same number of failures', async () => {
    await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'viewer' });
    const known: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await failure(auth.login('alice', 'wrong password!')));
      unknown.push(await failure(auth.login('nobody', 'wrong password!')));
    }
    expect(unknown).toEqual(known);
    expect(known[3]).toEqual(['AppError', 'invalid_credentials', 'wrong user name or password', undefined]);
    expect(known[4]).toEqual(['LockedError', 'locked', expect.stringMatching(/try again in 30 s/), 30]);
    // Locked: the right password of the known name is refused the same way as any password of the unknown one.
    expect(await failure(auth.login('alice', PASSWORD))).toEqual(
      await failure(auth.login('nobody', PASSWORD)),
    );
    // Another spelling of the name is the same name.
    expect(await failure(auth.login('ALICE', PASSWORD))).toEqual([
      'LockedError',
      'locked',
      expect.any(String),
      expect.any(Number),
    ]);
  });

  it('refuses an address after too many failures across names, whatever the name, until its window ends', async () => {
    const limited = new AuthService({
      twoFactor,
      users,
      signer,
      clock,
      settings: {
        accessTtlSeconds: 900,
        refreshTtlSeconds: 3600,
        addressMaxFailures: 3,
        addressWindowSeconds: 600,
      },
    });
    await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'viewer' });
    const start = now;
    for (const name of ['bob', 'carol', 'dave']) {
      now += 1000;
      await expect(limited.login(name, 'spray-password-1', '203.0.113.9')).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
    }
    // Whatever the name and password, even the right ones: refused with the time left in the window.
    const refused = await limited.login('alice', PASSWORD, '203.0.113.9').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AddressLimitedError);
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 598 });
    // Another address is not concerned.
    await expect(limited.login('alice', PASSWORD, '198.51.100.7')).resolves.toMatchObject({
      user: { name: 'alice' },
    });
    now = start + 1000 + 600_000;
    await expect(limited.login('alice', PASSWORD, '203.0.113.9')).resolves.toMatchObject({
      user: { name: 'alice' },
    });
  });

  it('a new password revokes the access tokens and sessions of the user at once', async () => {
    const bob = await createUser({ users, clock }, { name: 'bob', password: PASSWORD, role: 'editor' });
    const session = await auth.login('bob', PASSWORD);
    const other = await auth.login('bob', PASSWORD);
    expect((await auth.authenticate(session.accessToken)).id).toBe(bob.id);
    await updateUser({ users, clock }, bob.id, { password: `${PASSWORD} 2` });
    for (const token of [session.accessToken, other.accessToken])
      await expect(auth.authenticate(token)).rejects.toMatchObject({
        code: 'unauthorized',
        message: expect.stringMatching(/revoked/),
      });
    for (const token of [session.refreshToken, other.refreshToken])
      await expect(auth.refresh(token)).rejects.toMatchObject({ code: 'unauthorized' });
    // A new sign-in gets a token of the new generation, which works.
    const fresh = await auth.login('bob', `${PASSWORD} 2`);
    expect((await auth.authenticate(fresh.accessToken)).id).toBe(bob.id);
    expect((await auth.authenticate((await auth.refresh(fresh.refreshToken)).accessToken)).id).toBe(bob.id);
    // A role or name change keeps the tokens (the role is read from the user row at each request).
    await updateUser({ users, clock }, bob.id, { role: 'viewer', name: 'Bobby' });
    expect(await auth.authenticate(fresh.accessToken)).toMatchObject({ role: 'viewer', name: 'Bobby' });
  });

  it('user names: NFKC and case-insensitive, stored normalised; invisible and bidi characters refused', async () => {
    const fullwidth = '\uff21\uff44\uff4d\uff49\uff4e'; // "Ａｄｍｉｎ"
    const admin = await createUser({ users, clock }, { name: fullwidth, password: PASSWORD, role: 'admin' });
    expect(admin.name).toBe('Admin');
    for (const spelling of ['Admin', 'admin', 'ADMIN', '\uff41\uff44\uff4d\uff49\uff4e'])
      await expect(auth.login(spelling, PASSWORD)).resolves.toMatchObject({ user: { id: admin.id } });
    await expect(
      createUser({ users, clock }, { name: 'aDMIN', password: PASSWORD, role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    for (const char of [
      '\u202e',
      '\u2066',
      '\u200f',
      '\u061c',
      '\u200b',
      '\u200d',
      '\u2060',
      '\ufeff',
      '\u0085',
    ])
      await expect(
        createUser({ users, clock }, { name: `ev${char}il`, password: PASSWORD, role: 'viewer' }),
      ).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/invisible or direction-changing characters \(found U\+[0-9A-F]{4}/),
      });
    await expect(updateUser({ users, clock }, admin.id, { name: 'root\u202egnp.exe' })).rejects.toMatchObject(
      { code: 'invalid_input', message: expect.stringMatching(/bidirectional/) },
    );
    expect(await users.countUsers()).toBe(1);
  });
});
