import { CompiledQuery, Kysely } from 'kysely';
import { createPool, type Pool } from 'mysql2';
import { AppError } from '../../core/errors.ts';
import { MYSQL_TYPES, migrateOrClose } from '../sql/migrations/migrations.ts';
import type { Database } from '../sql/schema.ts';
import { FaceflowMysqlDialect } from './mysql-dialect.ts';

export interface MysqlOptions {
  /** `mysql://user:password@host:port/database` (MySQL 8 or MariaDB ≥ 10.6). */
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  migrate?: boolean;
}

export interface MysqlHandle {
  db: Kysely<Database>;
  /** The database (schema) the tables live in. */
  database: string;
  /** `mariadb` or `mysql`: statement time limits are set differently. */
  flavour: 'mariadb' | 'mysql';
  close(): Promise<void>;
}

export interface MysqlAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;

export function parseMysqlUrl(url: string): MysqlAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new AppError('invalid_input', 'DATABASE_URL is not a valid mysql:// URL', { cause });
  }
  if (parsed.protocol !== 'mysql:') throw new AppError('invalid_input', 'not a mysql:// URL');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(database))
    throw new AppError('invalid_input', 'the mysql:// URL must name a database: letters, digits and _ only');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/**
 * The session every connection gets (ADR 0006): READ COMMITTED, as the claims assume (a locking read sees
 * the row a concurrent claim just committed); strict mode; `ANSI_QUOTES` and `PIPES_AS_CONCAT`, so the
 * shared SQL's `"key"` and `||` mean what they mean on PostgreSQL and SQLite; UTC; a lock wait bounded like
 * a statement.
 */
function sessionStatements(flavour: MysqlHandle['flavour'], timeoutMs: number): string[] {
  const statements = [
    'set session transaction isolation level read committed',
    "set session sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ANSI_QUOTES,PIPES_AS_CONCAT'",
    "set session time_zone = '+00:00'",
    `set session innodb_lock_wait_timeout = ${Math.max(1, Math.ceil(timeoutMs / 1000))}`,
  ];
  // MariaDB bounds every statement (seconds); MySQL only SELECTs (milliseconds).
  statements.push(
    flavour === 'mariadb'
      ? `set session max_statement_time = ${timeoutMs / 1000}`
      : `set session max_execution_time = ${Math.round(timeoutMs)}`,
  );
  return statements;
}

function query(pool: Pool, statement: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) =>
    pool.query(statement, values, (error, rows) =>
      error ? reject(error) : resolve(rows as Record<string, unknown>[]),
    ),
  );
}

/**
 * Opens a connection pool to MySQL or MariaDB and migrates the schema. The tables take the database's
 * byte-exact `utf8mb4_bin` collation (names and keys compare as on SQLite and PostgreSQL; MySQL's default
 * `_ci` collations would make `Anna` and `anna` one key).
 */
export async function openMysql(options: MysqlOptions): Promise<MysqlHandle> {
  const address = parseMysqlUrl(options.url);
  const timeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = createPool({
    ...address,
    connectionLimit: options.poolSize ?? 10,
    charset: 'utf8mb4_bin',
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    enableKeepAlive: true,
    connectTimeout: 10_000,
  });
  // A connection whose server went away (an idle one included) leaves the pool by itself (mysql2's
  // PoolConnection listens for its own 'error'); the next query takes a fresh one.
  let flavour: MysqlHandle['flavour'];
  try {
    const [row] = await query(pool, 'select version() as v');
    flavour = String(row?.v).includes('MariaDB') ? 'mariadb' : 'mysql';
    const [schema] = await query(
      pool,
      'select default_collation_name as c from information_schema.schemata where schema_name = ?',
      [address.database],
    );
    if (schema?.c !== 'utf8mb4_bin')
      await query(pool, `alter database \`${address.database}\` character set utf8mb4 collate utf8mb4_bin`);
  } catch (cause) {
    await new Promise((resolve) => pool.end(resolve));
    throw new AppError(
      'unavailable',
      `cannot open the MySQL database ${address.database}: ${String(cause)}`,
      {
        cause,
      },
    );
  }
  const session = sessionStatements(flavour, timeoutMs);
  const db = new Kysely<Database>({
    dialect: new FaceflowMysqlDialect({
      pool,
      onCreateConnection: async (connection) => {
        for (const statement of session) await connection.executeQuery(CompiledQuery.raw(statement));
      },
    }),
  });
  if (options.migrate ?? true) await migrateOrClose(db, MYSQL_TYPES, address.database);
  let closed = false;
  return {
    db,
    database: address.database,
    flavour,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
