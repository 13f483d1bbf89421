import { type MysqlHandle, openMysql } from '../../src/adapters/mysql/mysql-database.ts';
import { skipLockedRelayer } from '../../src/adapters/sql/outbox-relayer.skip-locked.ts';
import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { createTestMysqlDatabase } from '../helpers/servers.ts';
import { photoStoresContracts } from './photo-stores.suites.ts';

photoStoresContracts(
  'MariaDB',
  async () => {
    const database = await createTestMysqlDatabase();
    const handle = await openMysql({ url: database.url, poolSize: 4 });
    const others: MysqlHandle[] = [];
    return {
      stores: sqlPhotoStores(handle.db, { relayer: skipLockedRelayer }),
      db: handle.db,
      async openAnother() {
        const other = await openMysql({ url: database.url, poolSize: 4, migrate: false });
        others.push(other);
        return sqlPhotoStores(other.db, { relayer: skipLockedRelayer });
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
