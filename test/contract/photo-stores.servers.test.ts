import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import type { OpenedDatabase } from '../../src/roles/wiring/database.ts';
import { SERVER_DATABASES } from '../helpers/server-databases.ts';
import { photoStoresContracts } from './photo-stores.suites.ts';

for (const server of SERVER_DATABASES)
  photoStoresContracts(
    server.name,
    async () => {
      const database = await server.create();
      const handle = await database.open({ poolSize: 4 });
      const others: OpenedDatabase[] = [];
      return {
        stores: sqlPhotoStores(handle.db, { relayer: handle.relayer }),
        db: handle.db,
        async openAnother() {
          const other = await database.open({ poolSize: 4, migrate: false });
          others.push(other);
          return sqlPhotoStores(other.db, { relayer: other.relayer });
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
