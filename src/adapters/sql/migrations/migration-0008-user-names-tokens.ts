import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './migrations.ts';

/**
 * Sign-in hardening (item 4):
 *
 * - `users.name_key`: the name's key (NFKC, lower case), unique, so `Admin`, `admin` and `ａｄｍｉｎ` are one
 *   account. Names so far were ASCII (`[A-Za-z0-9._@-]`), whose key is `lower(name)` in SQL on both
 *   dialects. Rows that already differ only in case would collide: the oldest keeps the plain key, each
 *   later one gets `<key>#<id>` (`#` is never in a name), so the unique index builds and start-up goes on.
 *   Those users still sign in with their exact spelling (`userByName` also matches the name itself), and
 *   an admin renaming one gives it a plain key again.
 * - `users.token_generation`: written into each access token and raised by a new password, so the user's
 *   access tokens stop working at once instead of at expiry.
 * - `login_failures`: failed sign-ins per key, for names that exist and names that do not alike (before,
 *   only existing users were counted, which told which names exist) and per client address. The counters
 *   of `users.failed_logins`/`locked_until` move there; those two columns are no longer read or written.
 */
export function userNamesTokensMigration(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const big = sql.raw(t.bigint);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('name_key', key).execute();
      await db.schema
        .alterTable('users')
        .addColumn('token_generation', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // `older` reads a derived copy of users: MySQL refuses a subquery on the table being updated (1093).
      await sql`
        update users set name_key = case
          when exists (
            select 1 from (select id, name, created_at from users) older
            where lower(older.name) = lower(users.name)
              and (older.created_at < users.created_at or (older.created_at = users.created_at and older.id < users.id))
          ) then lower(users.name) || '#' || users.id
          else lower(users.name)
        end`.execute(db);
      await db.schema.createIndex('users_by_name_key').on('users').column('name_key').unique().execute();

      await db.schema
        .createTable('login_failures')
        .addColumn('key', key, (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_start', big, (c) => c.notNull())
        .addColumn('locked_until', big)
        .execute();
      await db.schema
        .createIndex('login_failures_window')
        .on('login_failures')
        .column('window_start')
        .execute();
      await sql`
        insert into login_failures ("key", failures, window_start, locked_until)
        select 'name:' || name_key, failed_logins, updated_at, locked_until from users
        where failed_logins > 0 or locked_until is not null`.execute(db);
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      await db.schema.dropTable('login_failures').ifExists().execute();
      await db.schema.dropIndex('users_by_name_key').ifExists().execute();
      await db.schema.alterTable('users').dropColumn('token_generation').execute();
      await db.schema.alterTable('users').dropColumn('name_key').execute();
    },
  };
}
