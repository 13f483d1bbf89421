import type { OutgoingJob } from '../../ports/job-queue.ts';
import { SqliteImageStore } from '../sql/image-store.sql.ts';

/**
 * ImageStore on PostgreSQL: the very same Kysely queries as SQLite (they are written dialect-neutral and
 * run against both in test/contract). Claims are conditional `UPDATE … RETURNING` statements: a second
 * worker claiming the same photo waits on the row lock, re-checks the condition and gets nothing.
 */
export class PostgresImageStore extends SqliteImageStore {
  /**
   * The api and every worker relay the outbox: each takes the rows no other relay holds (`FOR UPDATE
   * SKIP LOCKED`) and keeps them locked while it publishes, then deletes them in the same transaction.
   * Without it each of N relays could publish the same upload burst, N messages per photo.
   */
  override async relayOutbox(
    limit: number,
    publish: (jobs: OutgoingJob[]) => Promise<void>,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .selectAll()
        .orderBy('id')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return 0;
      await publish(rows.map((r) => JSON.parse(r.job) as OutgoingJob));
      await trx
        .deleteFrom('outbox')
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      return rows.length;
    });
  }
}
