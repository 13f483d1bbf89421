import { SqlUserStore } from '../../src/adapters/sql/user-store.sql.ts';
import type { OpenedDatabase } from '../../src/roles/wiring/database.ts';
import { SERVER_DATABASES } from '../helpers/server-databases.ts';
import { userStoreContract } from './user-store.contract.ts';

for (const server of SERVER_DATABASES)
  userStoreContract(
    `SqlUserStore on ${server.name}`,
    async () => {
      const database = await server.create();
      const handle = await database.open({ poolSize: 4 });
      const others: OpenedDatabase[] = [];
      return {
        store: new SqlUserStore(handle.db),
        async openAnother() {
          const other = await database.open({ poolSize: 4, migrate: false });
          others.push(other);
          return new SqlUserStore(other.db);
        },
        async close() {
          for (const other of others) await other.close();
          await handle.close();
          await database.drop();
        },
      };
    },
    { concurrentTransactions: true },
  );
