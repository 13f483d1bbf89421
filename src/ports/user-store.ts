import type { Role } from '../core/principal.ts';

/**
 * Users, refresh tokens, API keys and first-run setup tokens. Only hashes are stored: scrypt for
 * passwords, sha256 for the random tokens and keys (which have enough entropy not to need a slow hash).
 * Times are milliseconds since the epoch.
 */
export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  /** Whether the user signs in with a second factor (TOTP). */
  totpEnabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** The second factor of a user as stored: secrets encrypted (the store never sees them in the clear). */
export interface TotpState {
  /** Encrypted secret while 2FA is on; null when off. */
  secret: string | null;
  /** Encrypted secret of a setup not yet confirmed with a code. */
  pendingSecret: string | null;
  /** The last 30-second step whose code was accepted; null before the first. */
  lastStep: number | null;
}

/** A user with what login and authentication need: the password hash and the access-token generation. */
export interface UserCredentials extends UserRecord {
  passwordHash: string;
  /**
   * Written into every access token issued to the user; a token of another generation is refused. A new
   * password raises it, which ends every access token of the user at once.
   */
  tokenGeneration: number;
  totp: TotpState;
}

/** The failed sign-ins counted under one key (an account name, a client address) in the current window. */
export interface LoginFailures {
  failures: number;
  /** When the current counting window began. */
  windowStart: number;
  /** Sign-ins under this key are refused until then; null when not locked. */
  lockedUntil: number | null;
}

export interface NewUser {
  name: string;
  role: Role;
  passwordHash: string;
}

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: number;
  revokedAt: number | null;
}

export interface NewRefreshToken {
  userId: string;
  tokenHash: string;
  /** Every token rotated from one login shares the family; reuse of a rotated token revokes it whole. */
  familyId: string;
  expiresAt: number;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  keyHash: string;
  createdBy: string | null;
}

/**
 * User names are unique by their key (`userNameKey`: NFKC and case folded), so `Admin` and `admin` are one
 * account; `userByName` finds a user by any spelling of the key.
 */
export interface UserStore {
  countUsers(): Promise<number>;
  /** Throws AppError `conflict` when the name (by its key) is taken. */
  createUser(user: NewUser, now: number): Promise<UserRecord>;
  /**
   * Creates the first admin with a setup token, in one transaction: the token must be unused and unexpired
   * and no user may exist yet; the token is used up. Null when any of that fails (nothing is written).
   */
  createFirstUser(user: NewUser, setupTokenHash: string, now: number): Promise<UserRecord | null>;
  userById(id: string): Promise<UserCredentials | undefined>;
  /** The user whose name has the same key (`userNameKey`) as `name`, or whose name is exactly `name`. */
  userByName(name: string): Promise<UserCredentials | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /**
   * Undefined when no such user; throws `conflict` on a taken name. A new password hash also raises the
   * user's token generation (their access tokens stop working).
   */
  updateUser(
    id: string,
    patch: { name?: string; role?: Role; passwordHash?: string },
    now: number,
  ): Promise<UserRecord | undefined>;
  /** Deletes the user and their refresh tokens; false when there was none. */
  deleteUser(id: string): Promise<boolean>;
  countAdmins(): Promise<number>;

  /**
   * Failed sign-ins are counted per key (`name:<user name key>` for every name tried, known or not;
   * `ip:<client address>`), in the database so that all api replicas agree.
   */
  loginFailures(key: string): Promise<LoginFailures | undefined>;
  /**
   * Adds one failure under `key` atomically (safe across processes) and answers the new state. A window
   * that began `windowMs` or more before `now` is over: the count starts again at 1 (the lock stays).
   */
  recordLoginFailure(key: string, now: number, windowMs: number): Promise<LoginFailures>;
  lockLogin(key: string, until: number): Promise<void>;
  /** After a good sign-in or a new password: no failures, no lock. */
  clearLoginFailures(key: string): Promise<void>;
  /** Forgets counters whose window began before `before` and that are not locked at `now`; answers how many. */
  pruneLoginFailures(before: number, now: number): Promise<number>;

  addRefreshToken(token: NewRefreshToken, now: number): Promise<RefreshTokenRecord>;
  refreshTokenByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Revokes `oldId` and adds `next` in one transaction, only when `oldId` was not yet revoked. Null when
   * it already was (a second use of a rotated token: the caller treats it as theft).
   */
  rotateRefreshToken(oldId: string, next: NewRefreshToken, now: number): Promise<RefreshTokenRecord | null>;
  revokeRefreshToken(id: string, now: number): Promise<void>;
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  revokeUserRefreshTokens(userId: string, now: number): Promise<void>;

  createApiKey(key: NewApiKey, now: number): Promise<ApiKeyRecord>;
  /** A key that is not revoked, by the hash of its secret. */
  activeApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when no such active key. */
  revokeApiKey(id: string, now: number): Promise<boolean>;
  touchApiKey(id: string, now: number): Promise<void>;

  /**
   * Second factor (ADR 0009). Stores the encrypted secret of a new setup, replacing one not yet confirmed;
   * false when the user has 2FA on already or does not exist.
   */
  setPendingTotp(userId: string, encryptedSecret: string, now: number): Promise<boolean>;
  /**
   * Turns 2FA on in one transaction: the pending secret `encryptedSecret` becomes the user's, `step` the last
   * accepted one, and `recoveryCodeHashes` replace any earlier recovery codes. False when the pending secret
   * is no longer that one (another setup came between) or 2FA is on already.
   */
  enableTotp(
    userId: string,
    encryptedSecret: string,
    step: number,
    recoveryCodeHashes: readonly string[],
    now: number,
  ): Promise<boolean>;
  /**
   * Takes `step` as the user's last accepted step when it is later than the last one, in one conditional
   * statement; false otherwise (the code of that step, or an earlier one, was used: a replay).
   */
  claimTotpStep(userId: string, step: number): Promise<boolean>;
  /** Uses up an unused recovery code of the user by its hash, once; false when there is none. */
  spendRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean>;
  unusedRecoveryCodes(userId: string): Promise<number>;
  /** Turns 2FA off: secret, pending secret, last step and recovery codes; false when no such user. */
  clearTotp(userId: string, now: number): Promise<boolean>;

  addSetupToken(tokenHash: string, expiresAt: number, now: number): Promise<void>;
  /** True when the token exists, is unused and has not expired. */
  setupTokenValid(tokenHash: string, now: number): Promise<boolean>;
}
