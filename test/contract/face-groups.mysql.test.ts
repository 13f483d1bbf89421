import { openMysql } from '../../src/adapters/mysql/mysql-database.ts';
import { SqlAuditLog } from '../../src/adapters/sql/audit-log.sql.ts';
import { skipLockedRelayer } from '../../src/adapters/sql/outbox-relayer.skip-locked.ts';
import { sqlFaceGroupStores, sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { createTestMysqlDatabase } from '../helpers/servers.ts';
import { faceGroupsContract } from './face-groups.contract.ts';

faceGroupsContract('MariaDB', async () => {
  const database = await createTestMysqlDatabase();
  const handle = await openMysql({ url: database.url, poolSize: 4 });
  return {
    stores: sqlPhotoStores(handle.db, { relayer: skipLockedRelayer }),
    faceGroups: sqlFaceGroupStores(handle.db),
    audit: new SqlAuditLog(handle.db, { now: () => Date.now() }),
    async close() {
      await handle.close();
      await database.drop();
    },
  };
});
