import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Role } from '../../core/principal.ts';
import { userNameKey } from '../../core/user-name.ts';
import type {
  ApiKeyRecord,
  LoginFailures,
  NewApiKey,
  NewRefreshToken,
  NewUser,
  RefreshTokenRecord,
  UserCredentials,
  UserRecord,
  UserStore,
} from '../../ports/user-store.ts';
import type {
  ApiKeysTable,
  Database,
  Db,
  LoginFailuresTable,
  RefreshTokensTable,
  UsersTable,
} from './schema.ts';

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    totpEnabled: row.totp_secret !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toCredentials(row: Selectable<UsersTable>): UserCredentials {
  return {
    ...toUser(row),
    passwordHash: row.password_hash,
    tokenGeneration: row.token_generation,
    totp: {
      secret: row.totp_secret,
      pendingSecret: row.totp_pending_secret,
      lastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    },
  };
}

function toFailures(row: Selectable<LoginFailuresTable>): LoginFailures {
  return { failures: row.failures, windowStart: row.window_start, lockedUntil: row.locked_until };
}

function toRefresh(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    familyId: row.family_id,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** A unique-constraint violation on SQLite or PostgreSQL. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e.code === '23505' || // PostgreSQL
    e.code === 'ER_DUP_ENTRY' || // MySQL, MariaDB
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint/.test(e.message ?? '')
  );
}

const nameTaken = (name: string, cause: unknown) =>
  new AppError('conflict', `a user named ${JSON.stringify(name)} already exists`, { cause });

/**
 * UserStore on Kysely, dialect-neutral: the same class runs on SQLite and PostgreSQL (test/contract).
 * Counters and one-time uses are single conditional statements, so concurrent api replicas agree.
 */
export class SqlUserStore implements UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .where('role', '=', 'admin')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  private async insertUser(db: Db, user: NewUser, now: number): Promise<UserRecord> {
    const row = {
      id: newId('usr', now),
      name: user.name,
      name_key: userNameKey(user.name),
      role: user.role,
      password_hash: user.passwordHash,
      token_generation: 0,
      totp_secret: null,
      totp_pending_secret: null,
      totp_last_step: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await db.insertInto('users').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(user.name, error);
      throw error;
    }
    return toUser(row);
  }

  createUser(user: NewUser, now: number): Promise<UserRecord> {
    return this.insertUser(this.db, user, now);
  }

  async createFirstUser(user: NewUser, setupTokenHash: string, now: number): Promise<UserRecord | null> {
    return this.db
      .transaction()
      .execute(async (trx) => {
        const used = await trx
          .updateTable('setup_tokens')
          .set({ used_at: now })
          .where('token_hash', '=', setupTokenHash)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .returning('id')
          .executeTakeFirst();
        if (!used) return null;
        const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
        if (existing) {
          // Roll back the token use: throwing aborts the transaction.
          throw new FirstUserExists();
        }
        return this.insertUser(trx, user, now);
      })
      .catch((error) => {
        if (error instanceof FirstUserExists) return null;
        throw error;
      });
  }

  async userById(id: string): Promise<UserCredentials | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCredentials(row);
  }

  async userByName(name: string): Promise<UserCredentials | undefined> {
    // The exact name first: two rows that collided before names had keys (migration 0008) both stay reachable.
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('name_key', '=', userNameKey(name)), eb('name', '=', name)]))
      .limit(2)
      .execute();
    const row = rows.find((r) => r.name === name) ?? rows[0];
    return row && toCredentials(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map(toUser);
  }

  async updateUser(
    id: string,
    patch: { name?: string; role?: Role; passwordHash?: string },
    now: number,
  ): Promise<UserRecord | undefined> {
    try {
      const row = await this.db
        .updateTable('users')
        .set((eb) => ({
          updated_at: now,
          ...(patch.name === undefined ? {} : { name: patch.name, name_key: userNameKey(patch.name) }),
          ...(patch.role === undefined ? {} : { role: patch.role }),
          ...(patch.passwordHash === undefined
            ? {}
            : { password_hash: patch.passwordHash, token_generation: eb('token_generation', '+', 1) }),
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toUser(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(patch.name ?? '', error);
      throw error;
    }
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('refresh_tokens').where('user_id', '=', id).execute();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', id).execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async loginFailures(key: string): Promise<LoginFailures | undefined> {
    const row = await this.db
      .selectFrom('login_failures')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row && toFailures(row);
  }

  async recordLoginFailure(key: string, now: number, windowMs: number): Promise<LoginFailures> {
    // One statement (insert or update), so concurrent failures on several replicas all count.
    const row = await this.db
      .insertInto('login_failures')
      .values({ key, failures: 1, window_start: now, locked_until: null })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => {
          const over = eb('login_failures.window_start', '<=', now - windowMs);
          return {
            failures: eb
              .case()
              .when(over)
              .then(1)
              .else(eb('login_failures.failures', '+', 1))
              .end(),
            window_start: eb.case().when(over).then(now).else(eb.ref('login_failures.window_start')).end(),
          };
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toFailures(row);
  }

  async lockLogin(key: string, until: number): Promise<void> {
    await this.db.updateTable('login_failures').set({ locked_until: until }).where('key', '=', key).execute();
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('key', '=', key).execute();
  }

  async pruneLoginFailures(before: number, now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('login_failures')
      .where('window_start', '<', before)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async insertRefresh(db: Db, token: NewRefreshToken, now: number): Promise<RefreshTokenRecord> {
    const row = {
      id: newId('rft', now),
      user_id: token.userId,
      token_hash: token.tokenHash,
      family_id: token.familyId,
      expires_at: token.expiresAt,
      revoked_at: null,
      created_at: now,
    };
    await db.insertInto('refresh_tokens').values(row).execute();
    return toRefresh(row);
  }

  addRefreshToken(token: NewRefreshToken, now: number): Promise<RefreshTokenRecord> {
    return this.insertRefresh(this.db, token, now);
  }

  async refreshTokenByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toRefresh(row);
  }

  async rotateRefreshToken(
    oldId: string,
    next: NewRefreshToken,
    now: number,
  ): Promise<RefreshTokenRecord | null> {
    return this.db.transaction().execute(async (trx) => {
      const revoked = await trx
        .updateTable('refresh_tokens')
        .set({ revoked_at: now })
        .where('id', '=', oldId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!revoked) return null;
      return this.insertRefresh(trx, next, now);
    });
  }

  /** Revokes the still-active refresh tokens whose `column` is `value`. */
  private async revokeRefreshWhere(column: 'id' | 'family_id' | 'user_id', value: string, now: number) {
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where(column, '=', value)
      .where('revoked_at', 'is', null)
      .execute();
  }

  revokeRefreshToken(id: string, now: number): Promise<void> {
    return this.revokeRefreshWhere('id', id, now);
  }

  revokeRefreshFamily(familyId: string, now: number): Promise<void> {
    return this.revokeRefreshWhere('family_id', familyId, now);
  }

  revokeUserRefreshTokens(userId: string, now: number): Promise<void> {
    return this.revokeRefreshWhere('user_id', userId, now);
  }

  async createApiKey(key: NewApiKey, now: number): Promise<ApiKeyRecord> {
    const row = {
      id: newId('key', now),
      name: key.name,
      role: key.role,
      key_hash: key.keyHash,
      created_by: key.createdBy,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_keys').values(row).execute();
    return toApiKey(row);
  }

  async activeApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row && toApiKey(row);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('id').execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touchApiKey(id: string, now: number): Promise<void> {
    await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async setPendingTotp(userId: string, encryptedSecret: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ totp_pending_secret: encryptedSecret, updated_at: now })
      .where('id', '=', userId)
      .where('totp_secret', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async enableTotp(
    userId: string,
    encryptedSecret: string,
    step: number,
    recoveryCodeHashes: readonly string[],
    now: number,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('users')
        .set({
          totp_secret: encryptedSecret,
          totp_pending_secret: null,
          totp_last_step: step,
          updated_at: now,
        })
        .where('id', '=', userId)
        .where('totp_secret', 'is', null)
        .where('totp_pending_secret', '=', encryptedSecret)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (recoveryCodeHashes.length > 0)
        await trx
          .insertInto('recovery_codes')
          .values(
            recoveryCodeHashes.map((codeHash) => ({
              id: newId('rcv', now),
              user_id: userId,
              code_hash: codeHash,
              used_at: null,
              created_at: now,
            })),
          )
          .execute();
      return true;
    });
  }

  async claimTotpStep(userId: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', userId)
      .where('totp_secret', 'is not', null)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async spendRecoveryCode(userId: string, codeHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async unusedRecoveryCodes(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async clearTotp(userId: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      const result = await trx
        .updateTable('users')
        .set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null, updated_at: now })
        .where('id', '=', userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  async addSetupToken(tokenHash: string, expiresAt: number, now: number): Promise<void> {
    await this.db
      .insertInto('setup_tokens')
      .values({
        id: newId('stp', now),
        token_hash: tokenHash,
        expires_at: expiresAt,
        used_at: null,
        created_at: now,
      })
      .execute();
  }

  async setupTokenValid(tokenHash: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('setup_tokens')
      .select('id')
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }
}

class FirstUserExists extends Error {}
