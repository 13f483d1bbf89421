import { openPostgres, type PostgresHandle } from '../../src/adapters/postgres/postgres-database.ts';
import { SqlUserStore } from '../../src/adapters/sql/user-store.sql.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { userStoreContract } from './user-store.contract.ts';

userStoreContract(
  'SqlUserStore on PostgreSQL',
  async () => {
    const schema = await createTestSchema();
    const handle = await openPostgres({ url: schema.url, poolSize: 4 });
    const others: PostgresHandle[] = [];
    return {
      store: new SqlUserStore(handle.db),
      async openAnother() {
        const other = await openPostgres({ url: schema.url, poolSize: 4, migrate: false });
        others.push(other);
        return new SqlUserStore(other.db);
      },
      async close() {
        for (const other of others) await other.close();
        await handle.close();
        await schema.drop();
      },
    };
  },
  { concurrentTransactions: true },
);
