import { SqliteImageStore } from '../sqlite/image-store.sqlite.ts';

/**
 * ImageStore on PostgreSQL: the very same Kysely queries as SQLite (they are written dialect-neutral and
 * run against both in test/contract). Claims are conditional `UPDATE … RETURNING` statements: a second
 * worker claiming the same photo waits on the row lock, re-checks the condition and gets nothing.
 */
export class PostgresImageStore extends SqliteImageStore {}
