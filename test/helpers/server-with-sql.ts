import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { startTestServer, type TestServer } from './in-process.ts';
import { createTestMysqlDatabase, createTestSchema } from './servers.ts';
import { mysqlReader, postgresReader, type Sql, sqliteReader } from './sql-reader.ts';

export interface ServerWithSql {
  server: TestServer;
  /** The server's own database, read directly. */
  sql: Sql;
  stop(): Promise<void>;
}

/** A fresh database on a test server: its URL, a direct reader and its removal. */
async function serverDatabase(database: 'postgres' | 'mysql') {
  if (database === 'postgres') {
    const schema = await createTestSchema();
    return { url: schema.url, reader: () => postgresReader(schema.schema), drop: schema.drop };
  }
  const created = await createTestMysqlDatabase();
  return { url: created.url, reader: () => mysqlReader(created.url), drop: created.drop };
}

/**
 * `faceflow all` in this process on SQLite (its DATA_DIR), or on a fresh schema of the test PostgreSQL or a
 * fresh database of the test MariaDB.
 */
export async function startServerWithSql(
  database: 'sqlite' | 'postgres' | 'mysql',
  env: Record<string, string>,
  engine?: FaceEngine,
): Promise<ServerWithSql> {
  const remote = database === 'sqlite' ? null : await serverDatabase(database);
  const server = await startTestServer(remote ? { DATABASE_URL: remote.url, ...env } : env, engine);
  const sql = remote ? await remote.reader() : sqliteReader(server.dataDir);
  return {
    server,
    sql,
    async stop() {
      await sql.close();
      await server.stop();
      await remote?.drop();
    },
  };
}
