import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserStore } from '../../src/ports/user-store.ts';

export interface UserStoreFixture {
  store: UserStore;
  /** A second store on the same database through its own connection(s), as another api replica has. */
  openAnother(): Promise<UserStore>;
  close(): Promise<void>;
}

const NOW = 1_700_000_000_000;
const alice = { name: 'alice', role: 'admin' as const, passwordHash: 'scrypt$x' };

/** The UserStore contract: SQLite and PostgreSQL run the same cases. */
export function userStoreContract(
  name: string,
  open: () => Promise<UserStoreFixture>,
  options: { concurrentTransactions: boolean },
): void {
  describe(`${name} (UserStore contract)`, () => {
    let f: UserStoreFixture;
    beforeEach(async () => {
      f = await open();
    });
    afterEach(async () => {
      await f.close();
    });

    it('creates, finds, renames and deletes users; a taken name is a conflict and stores nothing', async () => {
      expect(await f.store.countUsers()).toBe(0);
      const user = await f.store.createUser(alice, NOW);
      expect(user).toMatchObject({ name: 'alice', role: 'admin', createdAt: NOW });
      await expect(f.store.createUser({ ...alice, role: 'viewer' }, NOW)).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(await f.store.countUsers()).toBe(1);
      expect((await f.store.userByName('alice'))?.passwordHash).toBe('scrypt$x');
      const bob = await f.store.createUser({ name: 'bob', role: 'viewer', passwordHash: 'h' }, NOW);
      await expect(f.store.updateUser(bob.id, { name: 'alice' }, NOW + 1)).rejects.toMatchObject({
        code: 'conflict',
      });
      expect(await f.store.updateUser(bob.id, { role: 'editor' }, NOW + 1)).toMatchObject({
        role: 'editor',
        updatedAt: NOW + 1,
      });
      expect(await f.store.countAdmins()).toBe(1);
      expect((await f.store.listUsers()).map((u) => u.name)).toEqual(['alice', 'bob']);
      expect(await f.store.updateUser('usr_missing', { role: 'admin' }, NOW)).toBeUndefined();
      await f.store.addRefreshToken(
        { userId: bob.id, tokenHash: 'rb', familyId: 'fam', expiresAt: NOW + 10 },
        NOW,
      );
      expect(await f.store.deleteUser(bob.id)).toBe(true);
      expect(await f.store.deleteUser(bob.id)).toBe(false);
      expect(await f.store.userById(bob.id)).toBeUndefined();
      expect(await f.store.refreshTokenByHash('rb')).toBeUndefined();
    });

    it('counts failed sign-ins per key atomically across connections, in a window, with a lock', async () => {
      const other = await f.openAnother();
      const states = await Promise.all([
        f.store.recordLoginFailure('name:alice', NOW, 60_000),
        other.recordLoginFailure('name:alice', NOW, 60_000),
        f.store.recordLoginFailure('name:alice', NOW, 60_000),
        other.recordLoginFailure('name:alice', NOW, 60_000),
      ]);
      expect(states.map((s) => s.failures).sort()).toEqual([1, 2, 3, 4]);
      expect(states.every((s) => s.windowStart === NOW && s.lockedUntil === null)).toBe(true);
      // Keys are counted apart; no user needs to exist for a key.
      expect(await f.store.recordLoginFailure('ip:10.0.0.1', NOW + 5, 60_000)).toEqual({
        failures: 1,
        windowStart: NOW + 5,
        lockedUntil: null,
      });
      await f.store.lockLogin('name:alice', NOW + 5000);
      expect(await other.loginFailures('name:alice')).toEqual({
        failures: 4,
        windowStart: NOW,
        lockedUntil: NOW + 5000,
      });
      // Within the window the count goes on; once it is over, it starts again at 1 (the lock stays).
      expect(await f.store.recordLoginFailure('name:alice', NOW + 59_999, 60_000)).toMatchObject({
        failures: 5,
        windowStart: NOW,
      });
      expect(await f.store.recordLoginFailure('name:alice', NOW + 60_000, 60_000)).toEqual({
        failures: 1,
        windowStart: NOW + 60_000,
        lockedUntil: NOW + 5000,
      });
      await f.store.clearLoginFailures('name:alice');
      expect(await f.store.loginFailures('name:alice')).toBeUndefined();
      // Pruning forgets finished windows, never a lock still running.
      await f.store.recordLoginFailure('name:old', NOW, 60_000);
      await f.store.recordLoginFailure('name:locked', NOW, 60_000);
      await f.store.lockLogin('name:locked', NOW + 100_000);
      expect(await f.store.pruneLoginFailures(NOW + 10, NOW + 50_000)).toBe(2);
      expect(await f.store.loginFailures('name:old')).toBeUndefined();
      expect(await f.store.loginFailures('ip:10.0.0.1')).toBeUndefined();
      expect(await f.store.loginFailures('name:locked')).toMatchObject({ lockedUntil: NOW + 100_000 });
    });

    it('user names are unique by NFKC and case; any spelling finds the user', async () => {
      const admin = await f.store.createUser({ ...alice, name: 'Admin' }, NOW);
      for (const spelling of ['Admin', 'admin', 'ADMIN', '\uff41\uff44\uff4d\uff49\uff4e'])
        expect([spelling, (await f.store.userByName(spelling))?.id]).toEqual([spelling, admin.id]);
      for (const taken of ['admin', 'ADMIN'])
        await expect(f.store.createUser({ ...alice, name: taken }, NOW)).rejects.toMatchObject({
          code: 'conflict',
        });
      const bob = await f.store.createUser({ name: 'bob', role: 'viewer', passwordHash: 'h' }, NOW);
      await expect(f.store.updateUser(bob.id, { name: 'aDmIn' }, NOW)).rejects.toMatchObject({
        code: 'conflict',
      });
      await f.store.updateUser(bob.id, { name: 'Robert' }, NOW);
      expect((await f.store.userByName('robert'))?.id).toBe(bob.id);
      expect(await f.store.userByName('bob')).toBeUndefined();
      expect(await f.store.countUsers()).toBe(2);
    });

    it('a new password raises the token generation; other changes keep it', async () => {
      const user = await f.store.createUser(alice, NOW);
      expect((await f.store.userById(user.id))?.tokenGeneration).toBe(0);
      await f.store.updateUser(user.id, { role: 'viewer', name: 'alicia' }, NOW + 1);
      expect((await f.store.userById(user.id))?.tokenGeneration).toBe(0);
      await f.store.updateUser(user.id, { passwordHash: 'new' }, NOW + 2);
      await f.store.updateUser(user.id, { passwordHash: 'newer' }, NOW + 3);
      expect(await f.store.userByName('alicia')).toMatchObject({ tokenGeneration: 2, passwordHash: 'newer' });
    });

    it('rotates a refresh token once: a second rotation of the same token gets nothing', async () => {
      const user = await f.store.createUser(alice, NOW);
      const first = await f.store.addRefreshToken(
        { userId: user.id, tokenHash: 'r1', familyId: 'fam1', expiresAt: NOW + 1000 },
        NOW,
      );
      expect(await f.store.refreshTokenByHash('r1')).toEqual(first);
      const other = await f.openAnother();
      const rotations = [
        () =>
          f.store.rotateRefreshToken(
            first.id,
            { userId: user.id, tokenHash: 'r2', familyId: 'fam1', expiresAt: NOW + 2000 },
            NOW + 1,
          ),
        () =>
          other.rotateRefreshToken(
            first.id,
            { userId: user.id, tokenHash: 'r2b', familyId: 'fam1', expiresAt: NOW + 2000 },
            NOW + 1,
          ),
      ];
      // SQLite: one connection per process blocks while another holds a transaction, so in turn there.
      const [a, b] = options.concurrentTransactions
        ? await Promise.all(rotations.map((rotate) => rotate()))
        : [await rotations[0]?.(), await rotations[1]?.()];
      expect([a, b].filter((x) => x !== null)).toHaveLength(1);
      expect((await f.store.refreshTokenByHash('r1'))?.revokedAt).toBe(NOW + 1);
      const winner = (a ?? b)?.id as string;
      await f.store.revokeRefreshFamily('fam1', NOW + 2);
      const left = (await f.store.refreshTokenByHash(a ? 'r2' : 'r2b')) ?? { id: '', revokedAt: null };
      expect(left).toMatchObject({ id: winner, revokedAt: NOW + 2 });
      const loser = a ? 'r2b' : 'r2';
      expect(await f.store.refreshTokenByHash(loser)).toBeUndefined();
      const third = await f.store.addRefreshToken(
        { userId: user.id, tokenHash: 'r3', familyId: 'fam3', expiresAt: NOW + 1000 },
        NOW,
      );
      await f.store.revokeRefreshToken(third.id, NOW + 3);
      expect((await f.store.refreshTokenByHash('r3'))?.revokedAt).toBe(NOW + 3);
      await f.store.addRefreshToken(
        { userId: user.id, tokenHash: 'r4', familyId: 'fam4', expiresAt: NOW + 1000 },
        NOW,
      );
      await f.store.revokeUserRefreshTokens(user.id, NOW + 4);
      expect((await f.store.refreshTokenByHash('r4'))?.revokedAt).toBe(NOW + 4);
    });

    it('API keys: found by hash while active, touched, listed, revoked once', async () => {
      const key = await f.store.createApiKey(
        { name: 'ci', role: 'editor', keyHash: 'k1', createdBy: null },
        NOW,
      );
      expect(await f.store.activeApiKeyByHash('k1')).toEqual(key);
      expect(await f.store.activeApiKeyByHash('k2')).toBeUndefined();
      await f.store.touchApiKey(key.id, NOW + 5);
      expect((await f.store.listApiKeys())[0]).toMatchObject({
        id: key.id,
        lastUsedAt: NOW + 5,
        revokedAt: null,
      });
      expect(await f.store.revokeApiKey(key.id, NOW + 6)).toBe(true);
      expect(await f.store.revokeApiKey(key.id, NOW + 7)).toBe(false);
      expect(await f.store.revokeApiKey('key_missing', NOW)).toBe(false);
      expect(await f.store.activeApiKeyByHash('k1')).toBeUndefined();
      expect((await f.store.listApiKeys())[0]?.revokedAt).toBe(NOW + 6);
    });

    it('second factor: a pending secret is confirmed once; steps and recovery codes are taken once, across connections', async () => {
      const user = await f.store.createUser(alice, NOW);
      expect(await f.store.setPendingTotp(user.id, 'enc-1', NOW)).toBe(true);
      expect(await f.store.setPendingTotp(user.id, 'enc-2', NOW + 1)).toBe(true);
      expect(await f.store.setPendingTotp('usr_missing', 'enc-x', NOW)).toBe(false);
      // Only the latest setup can be confirmed; a step cannot be claimed while 2FA is off.
      expect(await f.store.enableTotp(user.id, 'enc-1', 10, ['h1'], NOW + 2)).toBe(false);
      expect(await f.store.claimTotpStep(user.id, 11)).toBe(false);
      const hashes = Array.from({ length: 10 }, (_, i) => `rc${i}`);
      expect(await f.store.enableTotp(user.id, 'enc-2', 10, hashes, NOW + 2)).toBe(true);
      expect(await f.store.enableTotp(user.id, 'enc-2', 10, hashes, NOW + 3)).toBe(false);
      expect(await f.store.setPendingTotp(user.id, 'enc-3', NOW + 3)).toBe(false);
      expect((await f.store.userById(user.id))?.totp).toEqual({
        secret: 'enc-2',
        pendingSecret: null,
        lastStep: 10,
      });
      expect((await f.store.listUsers())[0]?.totpEnabled).toBe(true);
      const other = await f.openAnother();
      // The step of the enabling code and earlier ones are refused; a later step is taken by one caller only.
      expect(await f.store.claimTotpStep(user.id, 10)).toBe(false);
      expect(await f.store.claimTotpStep(user.id, 9)).toBe(false);
      const claims = await Promise.all([
        f.store.claimTotpStep(user.id, 11),
        other.claimTotpStep(user.id, 11),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      const uses = await Promise.all([
        f.store.spendRecoveryCode(user.id, 'rc3', NOW + 4),
        other.spendRecoveryCode(user.id, 'rc3', NOW + 4),
      ]);
      expect(uses.filter(Boolean)).toHaveLength(1);
      expect(await f.store.spendRecoveryCode(user.id, 'rc3', NOW + 5)).toBe(false);
      expect(await f.store.spendRecoveryCode(user.id, 'nope', NOW + 5)).toBe(false);
      const bob = await f.store.createUser({ name: 'bob', role: 'viewer', passwordHash: 'h' }, NOW);
      expect(await f.store.spendRecoveryCode(bob.id, 'rc4', NOW + 5)).toBe(false);
      expect(await f.store.unusedRecoveryCodes(user.id)).toBe(9);
      expect(await f.store.clearTotp(user.id, NOW + 6)).toBe(true);
      expect(await f.store.clearTotp('usr_missing', NOW + 6)).toBe(false);
      expect((await f.store.userById(user.id))?.totp).toEqual({
        secret: null,
        pendingSecret: null,
        lastStep: null,
      });
      expect(await f.store.unusedRecoveryCodes(user.id)).toBe(0);
      expect(await f.store.spendRecoveryCode(user.id, 'rc4', NOW + 7)).toBe(false);
      // Deleting a user takes their codes with them.
      await f.store.setPendingTotp(bob.id, 'enc-b', NOW);
      await f.store.enableTotp(bob.id, 'enc-b', 1, ['b1'], NOW);
      expect(await f.store.deleteUser(bob.id)).toBe(true);
      expect(await f.store.unusedRecoveryCodes(bob.id)).toBe(0);
    });

    it('a setup token creates the first user once, only while no user exists and before it expires', async () => {
      await f.store.addSetupToken('s1', NOW + 1000, NOW);
      await f.store.addSetupToken('s2', NOW + 1000, NOW);
      await f.store.addSetupToken('old', NOW + 10, NOW);
      expect(await f.store.setupTokenValid('s1', NOW)).toBe(true);
      expect(await f.store.setupTokenValid('nope', NOW)).toBe(false);
      expect(await f.store.createFirstUser(alice, 'old', NOW + 10)).toBeNull();
      expect(await f.store.createFirstUser(alice, 'nope', NOW)).toBeNull();
      expect(await f.store.countUsers()).toBe(0);
      expect(await f.store.createFirstUser(alice, 's1', NOW + 1)).toMatchObject({ name: 'alice' });
      expect(await f.store.setupTokenValid('s1', NOW + 2)).toBe(false);
      expect(await f.store.createFirstUser({ ...alice, name: 'eve' }, 's1', NOW + 2)).toBeNull();
      // s2 is still unused, but a user exists now: nothing is created and s2 stays unused.
      expect(await f.store.createFirstUser({ ...alice, name: 'eve' }, 's2', NOW + 2)).toBeNull();
      expect(await f.store.setupTokenValid('s2', NOW + 2)).toBe(true);
      expect(await f.store.countUsers()).toBe(1);
    });
  });
}
