import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

/** The real servers the scale-out suites run against (CI starts them; see DEVELOPERS notes in README). */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
/** A MySQL or MariaDB account that may create and drop databases; the path is ignored. */
export const MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';

/** A name no other test run uses (schemas, queues, streams). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A fresh schema in the test database; `drop()` removes it with everything in it. */
export async function createTestSchema(): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = uniqueName('ff_test');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh database on the test MySQL/MariaDB server (byte-exact utf8mb4); `drop()` removes it. */
export async function createTestMysqlDatabase(): Promise<{
  url: string;
  database: string;
  drop(): Promise<void>;
}> {
  const database = uniqueName('ff_test');
  const admin = async (statement: string) => {
    const url = new URL(MYSQL_URL);
    const connection = await createConnection({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username || 'root'),
      password: decodeURIComponent(url.password),
    });
    try {
      await connection.query(statement);
    } finally {
      await connection.end();
    }
  };
  await admin(`create database ${database} character set utf8mb4 collate utf8mb4_bin`);
  const url = new URL(MYSQL_URL);
  url.pathname = `/${database}`;
  return { url: url.toString(), database, drop: () => admin(`drop database if exists ${database}`) };
}
