import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userStoreContract } from '../../../test/contract/user-store.contract.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';
import { SqlUserStore } from './user-store.sql.ts';

userStoreContract(
  'SqlUserStore on SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-users-'));
    const file = join(dir, 'db.sqlite');
    const handle = await openSqlite(file);
    const others: SqliteHandle[] = [];
    return {
      store: new SqlUserStore(handle.db),
      async openAnother() {
        const other = await openSqlite(file);
        others.push(other);
        return new SqlUserStore(other.db);
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
