import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoseTokenSigner } from '../../adapters/jwt-jose/jose-token-signer.ts';
import { SqlAuditLog } from '../../adapters/sql/audit-log.sql.ts';
import { SqlUserStore } from '../../adapters/sql/user-store.sql.ts';
import { openSqlite, type SqliteHandle } from '../../adapters/sqlite/sqlite-database.ts';
import { OtpauthCodes } from '../../adapters/totp-otpauth/otpauth-codes.ts';
import type { Principal, Role } from '../../core/principal.ts';
import { AuthService } from './auth-service.ts';
import { SecretBox } from './secret-box.ts';
import { TwoFactorService } from './two-factor.ts';
import { createUser } from './user-admin.ts';

const PASSWORD = 'correct horse battery';
const KEY = 'unit-test-secret-unit-test-secret-0123';
const STEP = 30_000;

describe('TwoFactorService with AuthService', () => {
  let handle: SqliteHandle;
  let users: SqlUserStore;
  let audit: SqlAuditLog;
  let now = 1_800_000_000_000;
  const clock = { now: () => now };
  const codes = new OtpauthCodes();

  const build = (requiredRoles: ReadonlySet<Role> = new Set()) => {
    const twoFactor = new TwoFactorService({
      users,
      clock,
      codes,
      box: new SecretBox(KEY),
      issuer: 'faceflow',
      requiredRoles,
      audit,
    });
    const auth = new AuthService({
      twoFactor,
      users,
      clock,
      signer: JoseTokenSigner.fromSecret(KEY),
      settings: { accessTtlSeconds: 900, refreshTtlSeconds: 3600 },
    });
    return { twoFactor, auth };
  };

  beforeEach(async () => {
    handle = await openSqlite(':memory:');
    users = new SqlUserStore(handle.db);
    audit = new SqlAuditLog(handle.db, clock);
    now = 1_800_000_000_000;
  });
  afterEach(() => handle.close());

  const enrol = async (twoFactor: TwoFactorService, who: Principal) => {
    const { secret, otpauthUrl } = await twoFactor.setup(who);
    expect(otpauthUrl).toContain(`secret=${secret}`);
    const { recoveryCodes } = await twoFactor.enable(who, codes.codeAt(secret, now));
    return { secret, recoveryCodes };
  };

  it('enrols with one code, then asks for a code at sign-in; a code works once, a recovery code once', async () => {
    const { twoFactor, auth } = build();
    const alice = await createUser({ users, clock }, { name: 'alice', password: PASSWORD, role: 'editor' });
    const me: Principal = { kind: 'user', id: alice.id, name: 'alice', role: 'editor' };
    await expect(twoFactor.enable(me, '123456')).rejects.toMatchObject({ code: 'conflict' });
    const { secret, recoveryCodes } = await enrol(twoFactor, me);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    // Stored sealed, never in the clear.
    const stored = (await users.userById(alice.id))?.totp.secret ?? '';
    expect(stored).not.toContain(secret);
    expect(await twoFactor.status(me)).toEqual({
      enabled: true,
      required: false,
      pending: false,
      recoveryCodesLeft: 10,
    });

    await expect(auth.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'totp_required' });
    // The code that turned 2FA on is spent: the same step is refused even at sign-in.
    await expect(auth.login('alice', PASSWORD, undefined, codes.codeAt(secret, now))).rejects.toMatchObject({
      code: 'invalid_code',
    });
    now += STEP;
    const code = codes.codeAt(secret, now);
    expect((await auth.login('alice', PASSWORD, undefined, code)).user.name).toBe('alice');
    await expect(auth.login('alice', PASSWORD, undefined, code)).rejects.toMatchObject({
      code: 'invalid_code',
    });
    // A code of the previous step is no longer good once a later one was accepted; the next one is.
    now += STEP;
    const next = codes.codeAt(secret, now + STEP);
    expect((await auth.login('alice', PASSWORD, undefined, next)).user.name).toBe('alice');
    await expect(auth.login('alice', PASSWORD, undefined, codes.codeAt(secret, now))).rejects.toMatchObject({
      code: 'invalid_code',
    });
    // Recovery codes: any case, with or without dashes; each once.
    const recovery = recoveryCodes[0] as string;
    const typed = recovery.replace(/-/g, '').toUpperCase();
    expect((await auth.login('alice', PASSWORD, undefined, typed)).user.name).toBe('alice');
    await expect(auth.login('alice', PASSWORD, undefined, recovery)).rejects.toMatchObject({
      code: 'invalid_code',
    });
    expect((await twoFactor.status(me)).recoveryCodesLeft).toBe(9);
    // A wrong password with a right code is still a wrong password.
    await expect(auth.login('alice', 'wrong password!', undefined, recoveryCodes[1])).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('wrong codes lock the name like wrong passwords; wrong codes on enable and disable lock those', async () => {
    const { twoFactor, auth } = build();
    const bob = await createUser({ users, clock }, { name: 'bob', password: PASSWORD, role: 'viewer' });
    const me: Principal = { kind: 'user', id: bob.id, name: 'bob', role: 'viewer' };
    const { secret } = await twoFactor.setup(me);
    const wrong = codes.codeAt(secret, now + 10 * STEP);
    for (let i = 0; i < 4; i++)
      await expect(twoFactor.enable(me, wrong)).rejects.toMatchObject({ code: 'invalid_code' });
    await expect(twoFactor.enable(me, wrong)).rejects.toMatchObject({ code: 'locked' });
    await expect(twoFactor.enable(me, codes.codeAt(secret, now))).rejects.toMatchObject({ code: 'locked' });
    now += 31_000;
    await twoFactor.enable(me, codes.codeAt(secret, now));
    now += STEP;
    for (let i = 0; i < 4; i++)
      await expect(auth.login('bob', PASSWORD, '198.51.100.7', '000000')).rejects.toMatchObject({
        code: 'invalid_code',
      });
    await expect(auth.login('bob', PASSWORD, '198.51.100.7', '000000')).rejects.toMatchObject({
      code: 'locked',
    });
    await expect(
      auth.login('bob', PASSWORD, '198.51.100.7', codes.codeAt(secret, now)),
    ).rejects.toMatchObject({ code: 'locked' });
    expect((await users.loginFailures('ip:198.51.100.7'))?.failures).toBe(5);
  });

  it('turning off needs a current code; an admin reset clears it, ends sessions and is audited', async () => {
    const { twoFactor, auth } = build();
    const carol = await createUser({ users, clock }, { name: 'carol', password: PASSWORD, role: 'viewer' });
    const me: Principal = { kind: 'user', id: carol.id, name: 'carol', role: 'viewer' };
    const { secret } = await enrol(twoFactor, me);
    await expect(twoFactor.setup(me)).rejects.toMatchObject({ code: 'conflict' });
    await expect(twoFactor.disable(me, '000000')).rejects.toMatchObject({ code: 'invalid_code' });
    now += STEP;
    await twoFactor.disable(me, codes.codeAt(secret, now));
    expect((await twoFactor.status(me)).enabled).toBe(false);
    expect((await auth.login('carol', PASSWORD)).user.name).toBe('carol');
    await expect(twoFactor.disable(me, codes.codeAt(secret, now))).rejects.toMatchObject({
      code: 'conflict',
    });

    const again = await enrol(twoFactor, me);
    now += STEP;
    const session = await auth.login('carol', PASSWORD, undefined, codes.codeAt(again.secret, now));
    const admin: Principal = { kind: 'user', id: 'usr_admin', name: 'root', role: 'admin' };
    await twoFactor.reset(admin, carol.id);
    await expect(auth.refresh(session.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await auth.login('carol', PASSWORD)).user.name).toBe('carol');
    await expect(twoFactor.reset(admin, 'usr_missing')).rejects.toMatchObject({ code: 'not_found' });
    const actions = (await audit.list({ limit: 20 })).entries.map((e) => [e.action, e.actor.name]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['user.totp_enabled', 'carol'],
        ['user.totp_disabled', 'carol'],
        ['user.totp_reset', 'root'],
      ]),
    );
    const key: Principal = { kind: 'api_key', id: 'key_1', name: 'ci', role: 'admin' };
    await expect(twoFactor.setup(key)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('a role that requires 2FA: the principal must enrol, and may not turn it off', async () => {
    const { twoFactor, auth } = build(new Set<Role>(['admin']));
    const dan = await createUser({ users, clock }, { name: 'dan', password: PASSWORD, role: 'admin' });
    const eve = await createUser({ users, clock }, { name: 'eve', password: PASSWORD, role: 'viewer' });
    const danSession = await auth.login('dan', PASSWORD);
    expect(await auth.authenticate(danSession.accessToken)).toMatchObject({ mustEnrolTotp: true });
    const eveSession = await auth.login('eve', PASSWORD);
    expect(await auth.authenticate(eveSession.accessToken)).not.toHaveProperty('mustEnrolTotp');
    const me: Principal = { kind: 'user', id: dan.id, name: 'dan', role: 'admin' };
    const { secret } = await enrol(twoFactor, me);
    expect(await auth.authenticate(danSession.accessToken)).not.toHaveProperty('mustEnrolTotp');
    now += STEP;
    await expect(twoFactor.disable(me, codes.codeAt(secret, now))).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(eve.totpEnabled).toBe(false);
  });
});
