import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoseTokenSigner } from '../../adapters/jwt-jose/jose-token-signer.ts';
import { SqlAuditLog } from '../../adapters/sqlite/audit-log.sqlite.ts';
import { openSqlite, type SqliteHandle } from '../../adapters/sqlite/sqlite-database.ts';
import { SqlUserStore } from '../../adapters/sqlite/user-store.sql.ts';
import { LOCAL_OPERATOR } from '../../core/principal.ts';
import { createApiKey, revokeApiKey } from './api-keys.ts';
import { AuthService, LockedError } from './auth-service.ts';
import { lockoutMs } from './lockout.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';
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
    expect(() => checkPasswordPolicy('x'.repeat(12))).not.toThrow();
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

  beforeEach(async () => {
    handle = await openSqlite(':memory:');
    users = new SqlUserStore(handle.db);
    auth = new AuthService({
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
    expect(await users.userByName('alice')).toMatchObject({ failedLogins: 0, lockedUntil: null });
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
    await expect(auth.setup('wrong-token', 'root', PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
    const session = await auth.setup(issued.token, 'root', PASSWORD);
    expect(session.user).toMatchObject({ name: 'root', role: 'admin' });
    await expect(auth.setup(issued.token, 'eve', PASSWORD)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await auth.setupNeeded()).toBe(false);
    expect(await auth.issueSetupToken()).toBeNull();
  });
});
