import { DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../sql/schema.ts';
import { FaceflowMysqlCompiler, mysqlRawFragment } from './mysql-compiler.ts';

/** Compiles only: the SQL the MySQL adapter would send. */
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new MysqlIntrospector(k),
    createQueryCompiler: () => new FaceflowMysqlCompiler(),
  },
});

describe('FaceflowMysqlCompiler: the shared SQL written for MySQL/MariaDB', () => {
  it('writes ON CONFLICT DO NOTHING as a no-op ON DUPLICATE KEY UPDATE, never INSERT IGNORE', () => {
    const { sql: text } = db
      .insertInto('face_rejections')
      .values({ face_id: 'f', rejected_id: 'p', created_at: 1 })
      .onConflict((oc) => oc.columns(['face_id', 'rejected_id']).doNothing())
      .compile();
    expect(text).toBe(
      'insert into `face_rejections` (`face_id`, `rejected_id`, `created_at`) values (?, ?, ?) on duplicate key update `face_id` = `face_id`',
    );
  });

  it('keeps DO UPDATE SET assignments, the refused row as values(col)', () => {
    const { sql: text, parameters } = db
      .insertInto('login_failures')
      .values({ key: 'name:ada', failures: 1, window_start: 5, locked_until: null })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          failures: eb('login_failures.failures', '+', 1),
          window_start: eb.ref('excluded.window_start'),
        })),
      )
      .compile();
    expect(text).toMatch(
      /on duplicate key update `failures` = `login_failures`\.`failures` \+ \?, `window_start` = values\(`window_start`\)$/,
    );
    expect(parameters).toEqual(['name:ada', 1, 5, null, 1]);
  });

  it('spells standard casts and a backslash escape the MySQL way in raw SQL', () => {
    expect(mysqlRawFragment('cast(cast(value as integer) + 1 as text)')).toBe(
      'cast(cast(value as signed) + 1 as char)',
    );
    expect(mysqlRawFragment(") like x escape '\\'")).toBe(") like x escape '\\\\'");
    const { sql: text } = db
      .updateTable('meta')
      .set({ value: sql<string>`cast(cast(value as integer) + 1 as text)` })
      .where('key', '=', 'gallery_version')
      .compile();
    expect(text).toBe('update `meta` set `value` = cast(cast(value as signed) + 1 as char) where `key` = ?');
  });

  it("moves a column's REFERENCES into a FOREIGN KEY table constraint (MySQL 8 ignores the column form)", () => {
    const { sql: text } = db.schema
      .createTable('faces')
      .addColumn('id', sql`varchar(255)`, (c) => c.primaryKey())
      .addColumn('image_id', sql`varchar(255)`, (c) =>
        c.notNull().references('images.id').onDelete('cascade'),
      )
      .compile();
    expect(text).toBe(
      'create table `faces` (`id` varchar(255) primary key, `image_id` varchar(255) not null, foreign key (`image_id`) references `images` (`id`) on delete cascade)',
    );
  });
});
