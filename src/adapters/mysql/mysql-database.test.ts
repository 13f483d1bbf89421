import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { MYSQL_URL, uniqueName } from '../../../test/helpers/servers.ts';
import { openMysql, parseMysqlUrl } from './mysql-database.ts';

describe('parseMysqlUrl', () => {
  it('reads user, password, host, port and database, decoding escapes', () => {
    expect(parseMysqlUrl('mysql://face%40flow:p%3Ass@db.internal:3307/faceflow')).toEqual({
      user: 'face@flow',
      password: 'p:ss',
      host: 'db.internal',
      port: 3307,
      database: 'faceflow',
    });
    expect(parseMysqlUrl('mysql://root@127.0.0.1/ff')).toMatchObject({ port: 3306, password: '' });
  });

  it('refuses another scheme, a missing or odd database name, and a malformed URL', () => {
    expect(() => parseMysqlUrl('postgres://u@h/db')).toThrow(/not a mysql/);
    expect(() => parseMysqlUrl('mysql://u@h/')).toThrow(/must name a database/);
    expect(() => parseMysqlUrl('mysql://u@h/db;drop')).toThrow(/must name a database/);
    expect(() => parseMysqlUrl('mysql://[bad')).toThrow(/not a valid mysql/);
  });
});

describe('openMysql on the test MariaDB', () => {
  const admin = async (statement: string) => {
    const connection = await createConnection(MYSQL_URL);
    try {
      await connection.query(statement);
    } finally {
      await connection.end();
    }
  };
  const name = uniqueName('ff_test');
  afterAll(() => admin(`drop database if exists ${name}`));

  it('gives a database created with the server defaults byte-exact collation, migrates once, and sets up each session', async () => {
    await admin(`create database ${name} character set latin1`);
    const url = new URL(MYSQL_URL);
    url.pathname = `/${name}`;
    const first = await openMysql({ url: url.toString(), poolSize: 1, statementTimeoutMs: 5000 });
    const second = await openMysql({ url: url.toString(), poolSize: 1 });
    try {
      const session = await sql<{ iso: string; mode: string; tz: string; lock: number }>`
        select @@session.tx_isolation as iso, @@session.sql_mode as mode, @@session.time_zone as tz,
               @@session.innodb_lock_wait_timeout as "lock"`.execute(first.db);
      expect(session.rows[0]).toMatchObject({ iso: 'READ-COMMITTED', tz: '+00:00', lock: 5 });
      expect(session.rows[0]?.mode).toMatch(/ANSI_QUOTES.*PIPES_AS_CONCAT|PIPES_AS_CONCAT.*ANSI_QUOTES/);
      const tables = await sql<{ c: string }>`
        select distinct table_collation as c from information_schema.tables where table_schema = ${name}`.execute(
        first.db,
      );
      expect(tables.rows.map((r) => r.c)).toEqual(['utf8mb4_bin']);
      // `Anna` and `anna` are two keys, as on SQLite and PostgreSQL.
      const now = Date.now();
      for (const id of ['Anna', 'anna'])
        await first.db
          .insertInto('people')
          .values({ id, name: id, created_at: now, updated_at: now })
          .execute();
      expect(await second.db.selectFrom('people').select('id').orderBy('id').execute()).toEqual([
        { id: 'Anna' },
        { id: 'anna' },
      ]);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('fails with a message naming the database when the server cannot be reached', async () => {
    await expect(openMysql({ url: 'mysql://root@127.0.0.1:1/ff_nowhere' })).rejects.toThrow(
      /cannot open the MySQL database ff_nowhere/,
    );
  });
});
