import { openPostgres } from '../../src/adapters/postgres/postgres-database.ts';
import { SqlAuditLog } from '../../src/adapters/sql/audit-log.sql.ts';
import { skipLockedRelayer } from '../../src/adapters/sql/outbox-relayer.skip-locked.ts';
import { sqlFaceGroupStores, sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { faceGroupsContract } from './face-groups.contract.ts';

faceGroupsContract('PostgreSQL', async () => {
  const schema = await createTestSchema();
  const handle = await openPostgres({ url: schema.url, poolSize: 4 });
  return {
    stores: sqlPhotoStores(handle.db, { relayer: skipLockedRelayer }),
    faceGroups: sqlFaceGroupStores(handle.db),
    audit: new SqlAuditLog(handle.db, { now: () => Date.now() }),
    async close() {
      await handle.close();
      await schema.drop();
    },
  };
});
