import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { startTestServer, type TestServer } from './in-process.ts';
import { MARIADB_SERVER, POSTGRES_SERVER } from './server-databases.ts';
import { type Sql, sqliteReader } from './sql-reader.ts';

export interface ServerWithSql {
  server: TestServer;
  /** The server's own database, read directly. */
  sql: Sql;
  stop(): Promise<void>;
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
  const remote =
    database === 'sqlite' ? null : await (database === 'mysql' ? MARIADB_SERVER : POSTGRES_SERVER).create();
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
