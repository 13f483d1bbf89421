import { openPostgres, type PostgresHandle } from '../../src/adapters/postgres/postgres-database.ts';
import { skipLockedRelayer } from '../../src/adapters/sql/outbox-relayer.skip-locked.ts';
import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { photoStoresContracts } from './photo-stores.suites.ts';

photoStoresContracts(
  'PostgreSQL',
  async () => {
    const schema = await createTestSchema();
    const handle = await openPostgres({ url: schema.url, poolSize: 4 });
    const others: PostgresHandle[] = [];
    return {
      stores: sqlPhotoStores(handle.db, { relayer: skipLockedRelayer }),
      db: handle.db,
      async openAnother() {
        const other = await openPostgres({ url: schema.url, poolSize: 4, migrate: false });
        others.push(other);
        return sqlPhotoStores(other.db, { relayer: skipLockedRelayer });
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
