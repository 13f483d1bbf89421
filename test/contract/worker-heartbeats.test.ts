import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlWorkerHeartbeats } from '../../src/adapters/sql/worker-heartbeats.sql.ts';
import { openSqlite } from '../../src/adapters/sqlite/sqlite-database.ts';
import { SERVER_DATABASES } from '../helpers/server-databases.ts';
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

for (const server of SERVER_DATABASES)
  workerHeartbeatsContract(server.name, async () => {
    const database = await server.create();
    const one = await database.open({ poolSize: 2 });
    const two = await database.open({ poolSize: 2, migrate: false });
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
