import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from 'kysely';
import { AppError } from '../../core/errors.ts';
import {
  ensurePrivateDirSync,
  ensurePrivateFileSync,
  makePrivateIfExistsSync,
} from '../blobs-fs/private-files.ts';
import { migrateOrClose, SQLITE_TYPES } from '../sql/migrations/migrations.ts';
import type { Database } from '../sql/schema.ts';

/**
 * SQLite dialect whose transactions start with BEGIN IMMEDIATE: the write lock is taken up front,
 * so two processes on one file wait for each other (busy_timeout) instead of failing on lock upgrade.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * Kysely prepares every query anew; preparing costs more than running our small statements, so the
 * most recently used ones are kept (SQLite re-prepares a cached statement itself after a schema change).
 */
function withStatementCache(raw: BetterSqlite3.Database, size = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = raw.prepare(sql) as unknown as SqliteStatement;
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** Parses `sqlite:<path>` (also `sqlite://<path>` and `sqlite::memory:`) into a file path. */
export function sqlitePathFromUrl(url: string): string {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (!match?.[1]) throw new AppError('invalid_input', `not a sqlite: URL: ${url}`);
  return match[1];
}

export interface SqliteHandle {
  db: Kysely<Database>;
  close(): Promise<void>;
}

/**
 * Opens (creating when needed) the SQLite file in WAL mode and migrates it to the latest schema.
 * Faces' embeddings live in it, so the file, its -wal and -shm and any folder created for it are the
 * service user's only (0600/0700, whatever the umask), and deleted rows are overwritten with zeros
 * (secure_delete) instead of lingering in free pages after a person is forgotten.
 */
export async function openSqlite(path: string, options: { migrate?: boolean } = {}): Promise<SqliteHandle> {
  const onDisk = path !== ':memory:' && path !== '';
  if (onDisk) {
    ensurePrivateDirSync(dirname(path), false);
    ensurePrivateFileSync(path);
  }
  const raw = new BetterSqlite3(path);
  raw.pragma('secure_delete = ON');
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('foreign_keys = ON');
  // SQLite gives the -wal and -shm files the database file's mode; set again in case they predate it.
  if (onDisk) for (const suffix of ['-wal', '-shm']) makePrivateIfExistsSync(`${path}${suffix}`);
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }),
  });
  if (options.migrate ?? true) await migrateOrClose(db, SQLITE_TYPES);
  let closed = false;
  return {
    db,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
