import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/**
 * Two-factor sign-in (issue 19, ADR 0009):
 *
 * - `users.totp_secret`: the TOTP secret of a user who has turned 2FA on, encrypted (AES-256-GCM, bound to
 *   the user id; never the plain secret). Null: 2FA is off.
 * - `users.totp_pending_secret`: the encrypted secret handed out by `setup`, until `enable` confirms it
 *   with a code (then it moves to `totp_secret`).
 * - `users.totp_last_step`: the last 30-second step whose code was accepted. A code is taken only for a
 *   later step, in one conditional UPDATE, so a code is good once even across api replicas.
 * - `recovery_codes`: ten one-time codes per user, sha256 of 80 random bits each; `used_at` set once, by a
 *   conditional UPDATE.
 */
export function totpMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('totp_secret', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_pending_secret', 'text').execute();
      await db.schema.alterTable('users').addColumn('totp_last_step', big).execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('user_id', key, (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_hash', key, (c) => c.notNull())
        .addColumn('used_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addUniqueConstraint('recovery_codes_user_hash', ['user_id', 'code_hash'])
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('recovery_codes').ifExists().execute();
      for (const column of ['totp_last_step', 'totp_pending_secret', 'totp_secret'])
        await db.schema.alterTable('users').dropColumn(column).execute();
    },
  };
}
