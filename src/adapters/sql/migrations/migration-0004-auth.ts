import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/**
 * Users, refresh tokens, API keys and one-time setup tokens (issue 7). Secrets are never stored: only
 * scrypt password hashes and sha256 hashes of tokens and keys. Failed logins and the lock-out time live
 * in the row, so a lock-out holds across api replicas.
 */
export function authMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('name', key, (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', key, (c) => c.notNull().unique())
        .addColumn('family_id', key, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('revoked_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('refresh_tokens_family').on('refresh_tokens').column('family_id').execute();
      await db.schema.createIndex('refresh_tokens_user').on('refresh_tokens').column('user_id').execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('name', key, (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('key_hash', key, (c) => c.notNull().unique())
        .addColumn('created_by', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('last_used_at', big)
        .addColumn('revoked_at', big)
        .execute();

      await db.schema
        .createTable('setup_tokens')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('token_hash', key, (c) => c.notNull().unique())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('used_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      for (const table of ['setup_tokens', 'api_keys', 'refresh_tokens', 'users'])
        await db.schema.dropTable(table).ifExists().execute();
    },
  };
}
