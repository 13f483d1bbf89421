import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../../core/errors.ts';
import { migrateOrClose, POSTGRES_TYPES } from '../sql/migrations/migrations.ts';
import type { Database } from '../sql/schema.ts';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * `bigint` columns hold epoch milliseconds and counts, all far below 2^53: read them as numbers, as
 * SQLite gives them (pg returns strings by default).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PostgresOptions {
  /** `postgres://user@host:port/db`, optionally `?schema=name` to keep the tables in their own schema. */
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  migrate?: boolean;
}

export interface PostgresHandle {
  db: Kysely<Database>;
  /** The schema the tables live in (`public` unless the URL named one). */
  schema: string;
  /** A new pooled client outside Kysely (LISTEN needs a connection of its own). */
  connect(): Promise<pg.Client>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Splits faceflow's own `schema` parameter off the URL pg is given. */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AppError('invalid_input', 'DATABASE_URL is not a valid postgres:// URL', { cause });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new AppError('invalid_input', 'not a postgres:// URL');
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema))
    throw new AppError('invalid_input', 'the schema parameter must be a lower-case SQL identifier');
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

/**
 * Opens a connection pool to PostgreSQL and migrates the schema. Broken connections (a database restart,
 * a network cut) are dropped from the pool and replaced on the next query; every statement is bounded by
 * `statementTimeoutMs`.
 */
export async function openPostgres(options: PostgresOptions): Promise<PostgresHandle> {
  const { connectionString, schema } = parsePostgresUrl(options.url);
  const clientConfig: pg.ClientConfig = {
    connectionString,
    types,
    keepAlive: true,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: 10_000,
    options: `-c search_path=${schema}`,
    application_name: 'faceflow',
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle client whose server went away: the pool drops it; without a listener the process would crash.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema !== 'public') await pool.query(`create schema if not exists ${schema}`);
  if (options.migrate ?? true) await migrateOrClose(db, POSTGRES_TYPES, schema);
  let closed = false;
  return {
    db,
    schema,
    async connect() {
      const client = new pg.Client(clientConfig);
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
