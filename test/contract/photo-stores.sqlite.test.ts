import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlPhotoStores } from '../../src/adapters/sql/sql-stores.ts';
import { openSqlite, type SqliteHandle } from '../../src/adapters/sqlite/sqlite-database.ts';
import { photoStoresContracts } from './photo-stores.suites.ts';

photoStoresContracts(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-store-'));
    const file = join(dir, 'db.sqlite');
    const handle = await openSqlite(file);
    const others: SqliteHandle[] = [];
    return {
      stores: sqlPhotoStores(handle.db),
      db: handle.db,
      async openAnother() {
        const other = await openSqlite(file);
        others.push(other);
        return sqlPhotoStores(other.db);
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
