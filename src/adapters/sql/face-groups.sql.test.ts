import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faceGroupsContract } from '../../../test/contract/face-groups.contract.ts';
import { openSqlite } from '../sqlite/sqlite-database.ts';
import { SqlAuditLog } from './audit-log.sql.ts';
import { sqlFaceGroupStores, sqlPhotoStores } from './sql-stores.ts';

faceGroupsContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-groups-'));
  const handle = await openSqlite(join(dir, 'db.sqlite'));
  return {
    stores: sqlPhotoStores(handle.db),
    faceGroups: sqlFaceGroupStores(handle.db),
    audit: new SqlAuditLog(handle.db, { now: () => Date.now() }),
    async close() {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
