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
  createdAt: number;
  updatedAt: number;
}

/** A user with what login needs: the password hash and the lock-out state. */
export interface UserCredentials extends UserRecord {
  passwordHash: string;
  failedLogins: number;
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

export interface UserStore {
  countUsers(): Promise<number>;
  /** Throws AppError `conflict` when the name is taken. */
  createUser(user: NewUser, now: number): Promise<UserRecord>;
  /**
   * Creates the first admin with a setup token, in one transaction: the token must be unused and unexpired
   * and no user may exist yet; the token is used up. Null when any of that fails (nothing is written).
   */
  createFirstUser(user: NewUser, setupTokenHash: string, now: number): Promise<UserRecord | null>;
  userById(id: string): Promise<UserCredentials | undefined>;
  userByName(name: string): Promise<UserCredentials | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Undefined when no such user; throws `conflict` on a taken name. */
  updateUser(
    id: string,
    patch: { name?: string; role?: Role; passwordHash?: string },
    now: number,
  ): Promise<UserRecord | undefined>;
  /** Deletes the user and their refresh tokens; false when there was none. */
  deleteUser(id: string): Promise<boolean>;
  countAdmins(): Promise<number>;

  /** Adds one failed login atomically (safe across processes) and answers the new count. */
  recordLoginFailure(id: string, now: number): Promise<number>;
  lockUser(id: string, until: number): Promise<void>;
  /** After a good login: no failures, no lock. */
  clearLoginFailures(id: string): Promise<void>;

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

  addSetupToken(tokenHash: string, expiresAt: number, now: number): Promise<void>;
  /** True when the token exists, is unused and has not expired. */
  setupTokenValid(tokenHash: string, now: number): Promise<boolean>;
}
