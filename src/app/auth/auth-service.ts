import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Principal, Role } from '../../core/principal.ts';
import type { Clock } from '../../ports/clock.ts';
import type { AccessTokenSigner } from '../../ports/token-signer.ts';
import type { UserRecord, UserStore } from '../../ports/user-store.ts';
import { lockoutMs } from './lockout.ts';
import { checkName } from './names.ts';
import { checkPasswordPolicy, DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { API_KEY_PREFIX, REFRESH_TOKEN_PREFIX, randomSecret, tokenHash } from './secrets.ts';

/** Thrown while an account is locked after repeated wrong passwords; HTTP answers 429 with Retry-After. */
export class LockedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('locked', `too many failed sign-ins: try again in ${retryAfterSeconds} s`);
  }
}

export interface AuthSettings {
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export interface AuthDeps {
  users: UserStore;
  signer: AccessTokenSigner;
  clock: Clock;
  settings: AuthSettings;
}

/** A signed-in session: a short-lived access token and the refresh token that renews it. */
export interface Session {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  user: { id: string; name: string; role: Role };
}

export const SETUP_TOKEN_TTL_MS = 60 * 60_000;
/** last_used_at of an API key is written at most this often (not on every request). */
const KEY_TOUCH_INTERVAL_MS = 60_000;

const invalidCredentials = () => new AppError('invalid_credentials', 'wrong user name or password');
const invalidRefresh = () => new AppError('unauthorized', 'the refresh token is invalid, expired or revoked');

/**
 * Sign-in, refresh-token rotation, logout, first-run setup and request authentication. No HTTP here:
 * the delivery layer passes the credentials it found and maps the errors.
 */
export class AuthService {
  constructor(private readonly deps: AuthDeps) {}

  private now(): number {
    return this.deps.clock.now();
  }

  private async startSession(user: UserRecord, familyId: string, previousId?: string): Promise<Session> {
    const { users, signer, settings } = this.deps;
    const now = this.now();
    const refreshToken = randomSecret(REFRESH_TOKEN_PREFIX);
    const next = {
      userId: user.id,
      tokenHash: tokenHash(refreshToken),
      familyId,
      expiresAt: now + settings.refreshTtlSeconds * 1000,
    };
    if (previousId === undefined) await users.addRefreshToken(next, now);
    else if (!(await users.rotateRefreshToken(previousId, next, now))) {
      // Lost a race with another use of the same token: treat it as reuse.
      await users.revokeRefreshFamily(familyId, now);
      throw invalidRefresh();
    }
    const accessToken = await signer.sign(
      { sub: user.id, name: user.name, role: user.role },
      settings.accessTtlSeconds,
    );
    return {
      accessToken,
      expiresIn: settings.accessTtlSeconds,
      refreshToken,
      refreshExpiresIn: settings.refreshTtlSeconds,
      user: { id: user.id, name: user.name, role: user.role },
    };
  }

  /**
   * Checks name and password. Unknown names cost the same scrypt time as known ones; every wrong password
   * counts towards the lock-out, which is kept in the database (it holds across api replicas).
   */
  async login(name: string, password: string): Promise<Session> {
    const { users } = this.deps;
    const user = await users.userByName(name);
    const now = this.now();
    if (user?.lockedUntil && user.lockedUntil > now)
      throw new LockedError(Math.ceil((user.lockedUntil - now) / 1000));
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user) throw invalidCredentials();
    if (!ok) {
      const failures = await users.recordLoginFailure(user.id, now);
      const lockMs = lockoutMs(failures);
      if (lockMs > 0) {
        await users.lockUser(user.id, now + lockMs);
        throw new LockedError(Math.ceil(lockMs / 1000));
      }
      throw invalidCredentials();
    }
    if (user.failedLogins > 0 || user.lockedUntil !== null) await users.clearLoginFailures(user.id);
    return this.startSession(user, newId('fam', now));
  }

  /**
   * Rotates a refresh token: the old one is revoked and a new one issued. Presenting a token that was
   * already rotated means it was copied: the whole family (every token of that sign-in) is revoked.
   */
  async refresh(refreshToken: string): Promise<Session> {
    const { users } = this.deps;
    const record = await users.refreshTokenByHash(tokenHash(refreshToken));
    const now = this.now();
    if (!record) throw invalidRefresh();
    if (record.revokedAt !== null) {
      await users.revokeRefreshFamily(record.familyId, now);
      throw invalidRefresh();
    }
    if (record.expiresAt <= now) throw invalidRefresh();
    const user = await users.userById(record.userId);
    if (!user) throw invalidRefresh();
    return this.startSession(user, record.familyId, record.id);
  }

  /** Revokes the refresh token (an unknown or missing one is no error: logout always succeeds). */
  async logout(refreshToken: string | undefined): Promise<void> {
    if (!refreshToken) return;
    const record = await this.deps.users.refreshTokenByHash(tokenHash(refreshToken));
    if (record) await this.deps.users.revokeRefreshToken(record.id, this.now());
  }

  /**
   * The principal behind a bearer credential: an API key (`ffk_…`) or an access JWT. The user is looked up
   * on every request, so a deleted user or a changed role takes effect at once, not at token expiry.
   */
  async authenticate(credential: string): Promise<Principal> {
    const { users, signer } = this.deps;
    if (credential.startsWith(API_KEY_PREFIX)) {
      const key = await users.activeApiKeyByHash(tokenHash(credential));
      if (!key) throw new AppError('unauthorized', 'the API key is invalid or revoked');
      const now = this.now();
      if (key.lastUsedAt === null || now - key.lastUsedAt >= KEY_TOUCH_INTERVAL_MS)
        await users.touchApiKey(key.id, now);
      return { kind: 'api_key', id: key.id, name: key.name, role: key.role };
    }
    const claims = await signer.verify(credential);
    const user = await users.userById(claims.sub);
    if (!user) throw new AppError('unauthorized', 'the user of this token no longer exists');
    return { kind: 'user', id: user.id, name: user.name, role: user.role };
  }

  async setupNeeded(): Promise<boolean> {
    return (await this.deps.users.countUsers()) === 0;
  }

  /** A one-time setup token valid for an hour, or null when a user exists already. Only its hash is stored. */
  async issueSetupToken(): Promise<{ token: string; expiresAt: number } | null> {
    if (!(await this.setupNeeded())) return null;
    const token = randomSecret();
    const now = this.now();
    const expiresAt = now + SETUP_TOKEN_TTL_MS;
    await this.deps.users.addSetupToken(tokenHash(token), expiresAt, now);
    return { token, expiresAt };
  }

  /** Creates the first admin with a setup token and signs them in. */
  async setup(token: string, name: string, password: string): Promise<Session> {
    checkName(name);
    checkPasswordPolicy(password);
    const passwordHash = await hashPassword(password);
    const user = await this.deps.users.createFirstUser(
      { name, role: 'admin', passwordHash },
      tokenHash(token),
      this.now(),
    );
    if (!user)
      throw new AppError(
        'unauthorized',
        'the setup token is invalid, expired or used, or an admin exists already',
      );
    return this.startSession(user, newId('fam', this.now()));
  }
}
