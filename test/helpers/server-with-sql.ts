import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { startTestServer, type TestServer } from './in-process.ts';
import { createTestSchema } from './servers.ts';
import { postgresReader, type Sql, sqliteReader } from './sql-reader.ts';

export interface ServerWithSql {
  server: TestServer;
  /** The server's own database, read directly. */
  sql: Sql;
  stop(): Promise<void>;
}

/** `faceflow all` in this process on SQLite (its DATA_DIR) or on a fresh schema of the test PostgreSQL. */
export async function startServerWithSql(
  database: 'sqlite' | 'postgres',
  env: Record<string, string>,
  engine?: FaceEngine,
): Promise<ServerWithSql> {
  const schema = database === 'postgres' ? await createTestSchema() : null;
  const server = await startTestServer(schema ? { DATABASE_URL: schema.url, ...env } : env, engine);
  const sql = schema ? await postgresReader(schema.schema) : sqliteReader(server.dataDir);
  return {
    server,
    sql,
    async stop() {
      await sql.close();
      await server.stop();
      await schema?.drop();
    },
  };
}
