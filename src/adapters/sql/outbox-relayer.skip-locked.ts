import type { OutgoingJob } from '../../ports/job-queue.ts';
import type { OutboxRelayer } from './outbox.sql.ts';

/**
 * The outbox relay on PostgreSQL and MySQL/MariaDB, where the api and every worker relay at once: each takes the rows no
 * other relay holds (`FOR UPDATE SKIP LOCKED`) and keeps them locked while it publishes, then deletes them
 * in the same transaction. Without it each of N relays could publish the same upload burst, N messages
 * per photo.
 */
export const skipLockedRelayer: OutboxRelayer = (db, limit, publish) =>
  db.transaction().execute(async (trx) => {
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
