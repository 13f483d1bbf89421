import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { POSTGRES_URL } from './servers.ts';

/** Reads the database behind a running server directly (not through the API). */
export interface Sql {
  /** `$1`-style parameters on every database. */
  rows<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** The SQLite file of a server's DATA_DIR, read-only. */
export function sqliteReader(dataDir: string): Sql {
  const db = new BetterSqlite3(join(dataDir, 'faceflow.db'), { readonly: true });
  return {
    rows: async <T>(text: string, params: unknown[] = []) =>
      db.prepare(text.replace(/\$\d+/g, '?')).all(...params) as T[],
    close: async () => {
      db.close();
    },
  };
}

/** The test PostgreSQL, in the server's schema. */
export async function postgresReader(schema: string): Promise<Sql> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  return {
    rows: async <T>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as T[],
    close: () => client.end(),
  };
}

/** A MySQL/MariaDB database by its `mysql://` URL. */
export async function mysqlReader(url: string): Promise<Sql> {
  const connection = await createConnection(url);
  return {
    rows: async <T>(text: string, params: unknown[] = []) =>
      (await connection.query(text.replace(/\$\d+/g, '?'), params))[0] as T[],
    close: () => connection.end(),
  };
}
