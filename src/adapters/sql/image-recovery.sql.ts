import type { Kysely } from 'kysely';
import type { ImageRecovery } from '../../ports/image-recovery.ts';
import { addOutboxJob, processImageJob } from './outbox-jobs.ts';
import type { Database } from './schema.ts';

/** ImageRecovery on Kysely, dialect-neutral: each photo's new state and its outbox job in one transaction. */
export class SqlImageRecovery implements ImageRecovery {
  constructor(private readonly db: Kysely<Database>) {}

  async requeueStuck(now: number, staleMs: number, limit: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('images')
        .select(['id', 'status', 'request_id', 'trace_context'])
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<', now - staleMs)]),
            eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('id')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      const pending = rows.filter((r) => r.status === 'pending').map((r) => r.id);
      if (pending.length > 0)
        await trx.updateTable('images').set({ next_attempt_at: now }).where('id', 'in', pending).execute();
      for (const row of rows)
        await addOutboxJob(trx, processImageJob(row.id, row.request_id, row.trace_context), now);
      return rows.map((r) => r.id);
    });
  }

  async requeueFailedRetryable(now: number, limit: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('images')
        .select(['id', 'request_id', 'trace_context'])
        .where('status', '=', 'failed')
        .where('last_error_retryable', '=', 1)
        .orderBy('id')
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      const ids = rows.map((r) => r.id);
      await trx
        .updateTable('images')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', 'in', ids)
        .execute();
      for (const row of rows)
        await addOutboxJob(trx, processImageJob(row.id, row.request_id, row.trace_context), now);
      return ids;
    });
  }

  async retryFailedImage(id: string, now: number): Promise<'queued' | 'not_failed' | 'not_found'> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('images')
        .select(['id', 'status', 'request_id', 'trace_context'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return 'not_found';
      const updated = await trx
        .updateTable('images')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'failed')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return 'not_failed';
      await addOutboxJob(trx, processImageJob(row.id, row.request_id, row.trace_context), now);
      return 'queued';
    });
  }
}
