import { SqlAuditLog } from '../../src/adapters/sql/audit-log.sql.ts';
import { sqlFaceGroupStores, sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { SERVER_DATABASES } from '../helpers/server-databases.ts';
import { faceGroupsContract } from './face-groups.contract.ts';

for (const server of SERVER_DATABASES)
  faceGroupsContract(server.name, async () => {
    const database = await server.create();
    const handle = await database.open({ poolSize: 4 });
    return {
      stores: sqlPhotoStores(handle.db, { relayer: handle.relayer }),
      faceGroups: sqlFaceGroupStores(handle.db),
      audit: new SqlAuditLog(handle.db, { now: () => Date.now() }),
      async close() {
        await handle.close();
        await database.drop();
      },
    };
  });
