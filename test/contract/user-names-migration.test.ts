import { type Kysely, Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/adapters/postgres/postgres-database.ts';
import {
  type DialectTypes,
  migrationProvider,
  POSTGRES_TYPES,
  SQLITE_TYPES,
} from '../../src/adapters/sql/migrations/migrations.ts';
import type { Database } from '../../src/adapters/sql/schema.ts';
import { SqlUserStore } from '../../src/adapters/sql/user-store.sql.ts';
import { openSqlite } from '../../src/adapters/sqlite/sqlite-database.ts';
import { createTestSchema } from '../helpers/servers.ts';

const NOW = 1_700_000_000_000;

interface Opened {
  db: Kysely<Database>;
  types: DialectTypes;
  schema?: string;
  close(): Promise<void>;
}

/**
 * Migration 0008 on a database that already has users: names that differ only in case (possible before
 * names had keys) must not stop the migration, and lock-outs carry over to the new counters.
 */
describe.each([
  [
    'SQLite',
    async (): Promise<Opened> => {
      const handle = await openSqlite(':memory:', { migrate: false });
      return { db: handle.db, types: SQLITE_TYPES, close: () => handle.close() };
    },
  ],
  [
    'PostgreSQL',
    async (): Promise<Opened> => {
      const schema = await createTestSchema();
      const handle = await openPostgres({ url: schema.url, poolSize: 2, migrate: false });
      return {
        db: handle.db,
        types: POSTGRES_TYPES,
        schema: handle.schema,
        async close() {
          await handle.close();
          await schema.drop();
        },
      };
    },
  ],
])('migration 0008 (user name keys, token generations) on %s', (_name, open) => {
  let opened: Opened | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('keys existing names, keeps colliding rows reachable, and moves lock-outs', async () => {
    opened = await open();
    const { db, types, schema } = opened;
    const migrator = new Migrator({ db, provider: migrationProvider(types), migrationTableSchema: schema });
    expect((await migrator.migrateTo('0007_worker_heartbeats')).error).toBeUndefined();
    const row = (id: string, name: string, createdAt: number, failed = 0, locked: number | null = null) => ({
      id,
      name,
      role: 'admin',
      password_hash: `hash-${id}`,
      failed_logins: failed,
      locked_until: locked,
      created_at: createdAt,
      updated_at: createdAt,
    });
    // biome-ignore lint/suspicious/noExplicitAny: the table as it was before migration 0008
    await (db as Kysely<any>)
      .insertInto('users')
      .values([
        row('usr_1', 'Admin', NOW),
        row('usr_2', 'admin', NOW + 1, 3, NOW + 60_000),
        row('usr_3', 'ADMIN', NOW + 2),
        row('usr_4', 'bob', NOW),
      ])
      .execute();
    expect((await migrator.migrateToLatest()).error).toBeUndefined();

    const keys = await db
      .selectFrom('users')
      .select(['id', 'name_key', 'token_generation'])
      .orderBy('id')
      .execute();
    expect(keys).toEqual([
      { id: 'usr_1', name_key: 'admin', token_generation: 0 },
      { id: 'usr_2', name_key: 'admin#usr_2', token_generation: 0 },
      { id: 'usr_3', name_key: 'admin#usr_3', token_generation: 0 },
      { id: 'usr_4', name_key: 'bob', token_generation: 0 },
    ]);
    const store = new SqlUserStore(db);
    // The oldest owns the name in any spelling; the others still sign in with their exact spelling.
    expect((await store.userByName('aDmIn'))?.id).toBe('usr_1');
    expect((await store.userByName('Admin'))?.id).toBe('usr_1');
    expect((await store.userByName('admin'))?.id).toBe('usr_2');
    expect((await store.userByName('ADMIN'))?.id).toBe('usr_3');
    // A new account of that name is refused; renaming a colliding one gives it a plain key again.
    await expect(
      store.createUser({ name: 'ADmin', role: 'viewer', passwordHash: 'h' }, NOW),
    ).rejects.toMatchObject({ code: 'conflict' });
    await store.updateUser('usr_3', { name: 'admin3' }, NOW);
    expect((await store.userByName('ADMIN3'))?.id).toBe('usr_3');
    expect(await store.loginFailures('name:admin#usr_2')).toEqual({
      failures: 3,
      windowStart: NOW + 1,
      lockedUntil: NOW + 60_000,
    });
  });
});
