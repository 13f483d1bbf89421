import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Principal, Role } from '../../core/principal.ts';
import { userNameKey } from '../../core/user-name.ts';
import type { Clock } from '../../ports/clock.ts';
import type { AccessTokenSigner } from '../../ports/token-signer.ts';
import type { UserRecord, UserStore } from '../../ports/user-store.ts';
import { lockoutMs } from './lockout.ts';
import { checkName } from './names.ts';
import { checkPasswordPolicy, DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.ts';
import { API_KEY_PREFIX, REFRESH_TOKEN_PREFIX, randomSecret, tokenHash } from './secrets.ts';
import type { TwoFactorService } from './two-factor.ts';

/** A refusal that ends by itself; HTTP answers 429 with Retry-After. */
export class RetryLaterError extends AppError {
  constructor(
    code: 'locked' | 'rate_limited',
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

/**
 * Thrown while an account name is locked after repeated wrong passwords. Names that exist and names that
 * do not lock alike, so the answer tells nothing about which names exist.
 */
export class LockedError extends RetryLaterError {
  constructor(retryAfterSeconds: number) {
    super('locked', `too many failed sign-ins: try again in ${retryAfterSeconds} s`, retryAfterSeconds);
  }
}

/** Thrown while a client address is refused after too many failed sign-ins across names (password spraying). */
export class AddressLimitedError extends RetryLaterError {
  constructor(retryAfterSeconds: number) {
    super(
      'rate_limited',
      `too many failed sign-ins from this address: try again in ${retryAfterSeconds} s`,
      retryAfterSeconds,
    );
  }
}

/**
 * Counts one failure under `key` (a name, or a user's second factor) and, from the fifth in the window,
 * locks the key (30 s doubling up to 15 min) and throws LockedError.
 */
export async function countFailure(users: UserStore, key: string, now: number): Promise<void> {
  const { failures } = await users.recordLoginFailure(key, now, NAME_FAILURE_WINDOW_MS);
  const lockMs = lockoutMs(failures);
  if (lockMs > 0) {
    await users.lockLogin(key, now + lockMs);
    throw new LockedError(Math.ceil(lockMs / 1000));
  }
}

/** Failed sign-ins from one client address, whatever the names, before it is refused until the window ends. */
export const DEFAULT_ADDRESS_MAX_FAILURES = 30;
export const DEFAULT_ADDRESS_WINDOW_SECONDS = 15 * 60;
/** Failures under one name count towards its lock-out for this long after the first of them. */
export const NAME_FAILURE_WINDOW_MS = 24 * 3600_000;
/** How often a process forgets counters whose window is over (they would start again at 1 anyway). */
const PRUNE_INTERVAL_MS = 3600_000;

export interface AuthSettings {
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** LOGIN_ADDRESS_MAX_FAILURES (default DEFAULT_ADDRESS_MAX_FAILURES). */
  addressMaxFailures?: number;
  /** LOGIN_ADDRESS_WINDOW in seconds (default DEFAULT_ADDRESS_WINDOW_SECONDS). */
  addressWindowSeconds?: number;
}

export interface AuthDeps {
  users: UserStore;
  signer: AccessTokenSigner;
  clock: Clock;
  settings: AuthSettings;
  /** The second factor: checked at sign-in for users who have it on, and enrolment where it is required. */
  twoFactor: TwoFactorService;
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
const codeRequired = () =>
  new AppError(
    'totp_required',
    'this account signs in with a second factor: send its 6-digit code (or a recovery code) as `code`',
  );
export const invalidCode = () =>
  new AppError('invalid_code', 'the code is wrong, expired or was used already');
const invalidRefresh = () => new AppError('unauthorized', 'the refresh token is invalid, expired or revoked');

/**
 * Sign-in, refresh-token rotation, logout, first-run setup and request authentication. No HTTP here:
 * the delivery layer passes the credentials it found and maps the errors.
 */
export class AuthService {
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: AuthDeps) {}

  private get addressWindowMs(): number {
    return (this.deps.settings.addressWindowSeconds ?? DEFAULT_ADDRESS_WINDOW_SECONDS) * 1000;
  }

  private now(): number {
    return this.deps.clock.now();
  }

  private async startSession(
    user: UserRecord,
    generation: number,
    familyId: string,
    previousId?: string,
  ): Promise<Session> {
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
      { sub: user.id, name: user.name, role: user.role, gen: generation },
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
   * Checks name and password, then the second factor of a user who has it on: without `code` the answer
   * is `totp_required` (the password was right); a wrong or used code counts as a failed sign-in. Names that
   * exist and names that do not are treated alike: the same scrypt work (against a dummy hash), the same
   * answers, and the same lock-out, counted per name key for every name tried. Failures are also counted
   * per client `address` across names: past the limit, the address is refused until its window ends. The
   * counters live in the database (they hold across api replicas).
   */
  async login(name: string, password: string, address?: string, code?: string): Promise<Session> {
    const { users } = this.deps;
    const now = this.now();
    await this.pruneFailures(now);
    const addressKey = address === undefined ? undefined : `ip:${address}`;
    if (addressKey !== undefined) {
      const state = await users.loginFailures(addressKey);
      if (state?.lockedUntil && state.lockedUntil > now)
        throw new AddressLimitedError(Math.ceil((state.lockedUntil - now) / 1000));
    }
    const nameKey = `name:${userNameKey(name)}`;
    const state = await users.loginFailures(nameKey);
    if (state?.lockedUntil && state.lockedUntil > now)
      throw new LockedError(Math.ceil((state.lockedUntil - now) / 1000));
    const user = await users.userByName(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) return this.refuse(nameKey, addressKey, now, invalidCredentials());
    if (user.totp.secret !== null) {
      if (code === undefined) throw codeRequired();
      if (!(await this.deps.twoFactor.verify(user, code)))
        return this.refuse(nameKey, addressKey, now, invalidCode());
    }
    if (state) await users.clearLoginFailures(nameKey);
    return this.startSession(user, user.tokenGeneration, newId('fam', now));
  }

  /** Counts a failed sign-in under the name and the address, locks where due, and throws. */
  private async refuse(
    nameKey: string,
    addressKey: string | undefined,
    now: number,
    error: AppError,
  ): Promise<never> {
    const { users, settings } = this.deps;
    if (addressKey !== undefined) {
      const windowMs = this.addressWindowMs;
      const from = await users.recordLoginFailure(addressKey, now, windowMs);
      if (from.failures >= (settings.addressMaxFailures ?? DEFAULT_ADDRESS_MAX_FAILURES))
        await users.lockLogin(addressKey, from.windowStart + windowMs);
    }
    await countFailure(users, nameKey, now);
    throw error;
  }

  /** Forgets finished failure counters, at most once an interval per process. */
  private async pruneFailures(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = now;
    await this.deps.users.pruneLoginFailures(
      now - Math.max(NAME_FAILURE_WINDOW_MS, this.addressWindowMs),
      now,
    );
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
    return this.startSession(user, user.tokenGeneration, record.familyId, record.id);
  }

  /** Revokes the refresh token (an unknown or missing one is no error: logout always succeeds). */
  async logout(refreshToken: string | undefined): Promise<void> {
    if (!refreshToken) return;
    const record = await this.deps.users.refreshTokenByHash(tokenHash(refreshToken));
    if (record) await this.deps.users.revokeRefreshToken(record.id, this.now());
  }

  /**
   * The principal behind a bearer credential: an API key (`ffk_…`) or an access JWT. The user is looked up
   * on every request, so a deleted user, a changed role or a new password (which raises the user's token
   * generation) takes effect at once, not at token expiry.
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
    if (claims.gen !== user.tokenGeneration)
      throw new AppError(
        'unauthorized',
        'the access token was revoked (the password changed): sign in again',
      );
    const mustEnrolTotp = user.totp.secret === null && this.deps.twoFactor.requiredFor(user.role);
    return {
      kind: 'user',
      id: user.id,
      name: user.name,
      role: user.role,
      ...(mustEnrolTotp ? { mustEnrolTotp } : {}),
    };
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
    const normalised = checkName(name);
    checkPasswordPolicy(password);
    const passwordHash = await hashPassword(password);
    const user = await this.deps.users.createFirstUser(
      { name: normalised, role: 'admin', passwordHash },
      tokenHash(token),
      this.now(),
    );
    if (!user)
      throw new AppError(
        'unauthorized',
        'the setup token is invalid, expired or used, or an admin exists already',
      );
    return this.startSession(user, 0, newId('fam', this.now()));
  }
}
