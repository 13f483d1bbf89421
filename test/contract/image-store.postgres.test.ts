import { PostgresImageStore } from '../../src/adapters/postgres/image-store.postgres.ts';
import { openPostgres, type PostgresHandle } from '../../src/adapters/postgres/postgres-database.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { imageStoreContract } from './image-store.contract.ts';

imageStoreContract(
  'PostgresImageStore',
  async () => {
    const schema = await createTestSchema();
    const handle = await openPostgres({ url: schema.url, poolSize: 4 });
    const others: PostgresHandle[] = [];
    return {
      store: new PostgresImageStore(handle.db),
      db: handle.db,
      async openAnother() {
        const other = await openPostgres({ url: schema.url, poolSize: 4, migrate: false });
        others.push(other);
        return new PostgresImageStore(other.db);
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
