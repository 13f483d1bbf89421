import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMysql } from '../../src/adapters/mysql/mysql-database.ts';
import { openPostgres } from '../../src/adapters/postgres/postgres-database.ts';
import { SqlWorkerHeartbeats } from '../../src/adapters/sql/worker-heartbeats.sql.ts';
import { openSqlite } from '../../src/adapters/sqlite/sqlite-database.ts';
import { createTestMysqlDatabase, createTestSchema } from '../helpers/servers.ts';
import { workerHeartbeatsContract } from './worker-heartbeats.contract.ts';

workerHeartbeatsContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-heartbeats-'));
  const file = join(dir, 'db.sqlite');
  const one = await openSqlite(file);
  const two = await openSqlite(file);
  return {
    store: new SqlWorkerHeartbeats(one.db),
    another: new SqlWorkerHeartbeats(two.db),
    async close() {
      await two.close();
      await one.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

workerHeartbeatsContract('PostgreSQL', async () => {
  const schema = await createTestSchema();
  const one = await openPostgres({ url: schema.url, poolSize: 2 });
  const two = await openPostgres({ url: schema.url, poolSize: 2, migrate: false });
  return {
    store: new SqlWorkerHeartbeats(one.db),
    another: new SqlWorkerHeartbeats(two.db),
    async close() {
      await two.close();
      await one.close();
      await schema.drop();
    },
  };
});

workerHeartbeatsContract('MariaDB', async () => {
  const database = await createTestMysqlDatabase();
  const one = await openMysql({ url: database.url, poolSize: 2 });
  const two = await openMysql({ url: database.url, poolSize: 2, migrate: false });
  return {
    store: new SqlWorkerHeartbeats(one.db),
    another: new SqlWorkerHeartbeats(two.db),
    async close() {
      await two.close();
      await one.close();
      await database.drop();
    },
  };
});
