import { skipLockedRelayer } from '../../src/adapters/postgres/outbox-relayer.postgres.ts';
import { openPostgres } from '../../src/adapters/postgres/postgres-database.ts';
import { SqlAuditLog } from '../../src/adapters/sql/audit-log.sql.ts';
import { SqlFaceGroupStore } from '../../src/adapters/sql/face-groups.sql.ts';
import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { faceGroupsContract } from './face-groups.contract.ts';

faceGroupsContract('PostgreSQL', async () => {
  const schema = await createTestSchema();
  const handle = await openPostgres({ url: schema.url, poolSize: 4 });
  return {
    stores: sqlPhotoStores(handle.db, { relayer: skipLockedRelayer }),
    groups: new SqlFaceGroupStore(handle.db),
    audit: new SqlAuditLog(handle.db, { now: () => Date.now() }),
    async close() {
      await handle.close();
      await schema.drop();
    },
  };
});
