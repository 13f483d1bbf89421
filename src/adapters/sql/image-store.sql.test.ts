import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageStoreContract } from '../../../test/contract/image-store.contract.ts';
import { SqliteImageStore } from './image-store.sql.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';

imageStoreContract(
  'SqliteImageStore',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-store-'));
    const file = join(dir, 'db.sqlite');
    const handle = await openSqlite(file);
    const others: SqliteHandle[] = [];
    return {
      store: new SqliteImageStore(handle.db),
      db: handle.db,
      async openAnother() {
        const other = await openSqlite(file);
        others.push(other);
        return new SqliteImageStore(other.db);
      },
      async close() {
        for (const other of others) await other.close();
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { concurrentTransactions: false },
);
