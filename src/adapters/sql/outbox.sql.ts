import type { Kysely } from 'kysely';
import type { OutgoingJob } from '../../ports/job-queue.ts';
import type { Outbox, OutboxEntry } from '../../ports/outbox.ts';
import type { Database } from './schema.ts';

/**
 * How a database hands outbox rows to `publish` and deletes them; resolves to how many. A database whose
 * relays run in several processes at once (PostgreSQL) passes one that locks the rows it publishes.
 */
export type OutboxRelayer = (
  db: Kysely<Database>,
  limit: number,
  publish: (jobs: OutgoingJob[]) => Promise<void>,
) => Promise<number>;

/**
 * Takes the oldest rows, publishes them, deletes them. No row locks: right for SQLite (one writer at a
 * time), whose embedded queue drops a job published twice by its dedupe key.
 */
export const takeThenDeleteRelayer: OutboxRelayer = async (db, limit, publish) => {
  const outbox = new SqlOutbox(db);
  const entries = await outbox.takeOutbox(limit);
  if (entries.length === 0) return 0;
  await publish(entries.map((e) => e.job));
  await outbox.deleteOutbox(entries.map((e) => e.id));
  return entries.length;
};

/** Outbox on Kysely, dialect-neutral but for the relaying, which `relayer` does (default: take then delete). */
export class SqlOutbox implements Outbox {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly relayer: OutboxRelayer = takeThenDeleteRelayer,
  ) {}

  async takeOutbox(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.selectFrom('outbox').selectAll().orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, job: JSON.parse(r.job) as OutgoingJob }));
  }

  async deleteOutbox(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.deleteFrom('outbox').where('id', 'in', ids).execute();
  }

  relayOutbox(limit: number, publish: (jobs: OutgoingJob[]) => Promise<void>): Promise<number> {
    return this.relayer(this.db, limit, publish);
  }
}
