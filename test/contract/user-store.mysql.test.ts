import { type MysqlHandle, openMysql } from '../../src/adapters/mysql/mysql-database.ts';
import { SqlUserStore } from '../../src/adapters/sql/user-store.sql.ts';
import { createTestMysqlDatabase } from '../helpers/servers.ts';
import { userStoreContract } from './user-store.contract.ts';

userStoreContract(
  'SqlUserStore on MariaDB',
  async () => {
    const database = await createTestMysqlDatabase();
    const handle = await openMysql({ url: database.url, poolSize: 4 });
    const others: MysqlHandle[] = [];
    return {
      store: new SqlUserStore(handle.db),
      async openAnother() {
        const other = await openMysql({ url: database.url, poolSize: 4, migrate: false });
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
