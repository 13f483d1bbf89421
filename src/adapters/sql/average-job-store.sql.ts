import { type Kysely, type Selectable, sql } from 'kysely';
import type { AverageResult, ChunkPartial } from '../../core/average.ts';
import type { ErrorInfo } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type {
  AverageChunk,
  AverageJobOptions,
  AverageJobRecord,
  AverageJobState,
  AverageJobStore,
  AverageSource,
  AverageStats,
  ChunkEntry,
  RejectedEntry,
} from '../../ports/average-job-store.ts';
import type { AverageJobsTable, Database } from './schema.ts';

const UNFINISHED: AverageJobState[] = ['preparing', 'running'];

function toRecord(
  row: Selectable<AverageJobsTable>,
  done: { chunks: number; photos: number } = { chunks: 0, photos: 0 },
): AverageJobRecord {
  return {
    id: row.id,
    state: row.state as AverageJobState,
    source: JSON.parse(row.source) as AverageSource,
    options: JSON.parse(row.options) as AverageJobOptions,
    totalChunks: row.total_chunks === null ? null : Number(row.total_chunks),
    totalEntries: Number(row.total_entries),
    chunksDone: done.chunks,
    photosDone: done.photos,
    rejected: JSON.parse(row.rejected) as RejectedEntry[],
    result: row.result === null ? null : (JSON.parse(row.result) as AverageResult & { stats: AverageStats }),
    error: row.error === null ? null : (JSON.parse(row.error) as ErrorInfo),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

/** AverageJobStore on the store's own database (plain Kysely, so it runs on SQLite and PostgreSQL alike). */
export class SqlAverageJobStore implements AverageJobStore {
  private readonly db: Kysely<Database>;

  private readonly retryBusy: boolean;

  /**
   * `retryBusy`: retry statements that find the SQLite file locked (SQLITE_BUSY) after a short async
   * wait, for a connection opened with busy_timeout 0 (see roles/wiring/stores.ts).
   */
  constructor(db: Kysely<Database>, options: { retryBusy?: boolean } = {}) {
    this.db = db;
    this.retryBusy = options.retryBusy ?? false;
  }

  /** SQLite only: statements fail at once on a lock instead of blocking the thread (they are retried). */
  async disableBusyWait(): Promise<void> {
    await sql`PRAGMA busy_timeout = 0`.execute(this.db);
  }

  private async run<T>(statement: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await statement();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (!this.retryBusy || (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || attempt > 2000)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * Math.min(50, attempt * 2)));
      }
    }
  }

  /** Chunks done and photos in them: counted from the chunk rows, so no counter can drift. */
  private async doneCounts(jobIds: string[]): Promise<Map<string, { chunks: number; photos: number }>> {
    const out = new Map<string, { chunks: number; photos: number }>();
    if (jobIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('average_chunks')
      .select((eb) => [
        'job_id',
        eb.fn.countAll<number>().as('chunks'),
        eb.fn.sum<number>('entry_count').as('photos'),
      ])
      .where('job_id', 'in', jobIds)
      .where('state', '=', 'done')
      .groupBy('job_id')
      .execute();
    for (const r of rows) out.set(r.job_id, { chunks: Number(r.chunks), photos: Number(r.photos ?? 0) });
    return out;
  }

  async createJob(
    input: { source: AverageSource; options: AverageJobOptions },
    now: number,
  ): Promise<AverageJobRecord> {
    const row = {
      id: newId('avg', now),
      state: 'preparing',
      source: JSON.stringify(input.source),
      options: JSON.stringify(input.options),
      total_chunks: null,
      total_entries: 0,
      rejected: '[]',
      result: null,
      error: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    };
    await this.run(() => this.db.insertInto('average_jobs').values(row).execute());
    return toRecord(row);
  }

  async getJob(id: string): Promise<AverageJobRecord | null> {
    return this.run(async () => {
      const row = await this.db
        .selectFrom('average_jobs')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toRecord(row, (await this.doneCounts([id])).get(id)) : null;
    });
  }

  async listJobs(limit: number): Promise<AverageJobRecord[]> {
    return this.run(async () => {
      const rows = await this.db
        .selectFrom('average_jobs')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      const done = await this.doneCounts(rows.map((r) => r.id));
      return rows.map((r) => toRecord(r, done.get(r.id)));
    });
  }

  async addChunk(jobId: string, index: number, entries: ChunkEntry[], now: number): Promise<void> {
    await this.run(() =>
      this.db
        .insertInto('average_chunks')
        .values({
          job_id: jobId,
          chunk_index: index,
          entries: JSON.stringify(entries),
          entry_count: entries.length,
          state: 'pending',
          partial: null,
          created_at: now,
          completed_at: null,
        })
        .onConflict((oc) => oc.columns(['job_id', 'chunk_index']).doNothing())
        .execute(),
    );
  }

  async getChunk(jobId: string, index: number): Promise<AverageChunk | null> {
    const row = await this.run(() =>
      this.db
        .selectFrom('average_chunks')
        .select(['entries', 'state'])
        .where('job_id', '=', jobId)
        .where('chunk_index', '=', index)
        .executeTakeFirst(),
    );
    if (!row) return null;
    return {
      jobId,
      index,
      entries: JSON.parse(row.entries) as ChunkEntry[],
      state: row.state as AverageChunk['state'],
    };
  }

  async pendingChunks(jobId: string): Promise<number[]> {
    const rows = await this.run(() =>
      this.db
        .selectFrom('average_chunks')
        .select('chunk_index')
        .where('job_id', '=', jobId)
        .where('state', '=', 'pending')
        .orderBy('chunk_index')
        .execute(),
    );
    return rows.map((r) => Number(r.chunk_index));
  }

  async queueChunks(jobId: string, window: number, now: number): Promise<number[]> {
    const outstanding = await this.run(() =>
      this.db
        .selectFrom('average_chunks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('job_id', '=', jobId)
        .where('state', '=', 'pending')
        .where('queued_at', 'is not', null)
        .executeTakeFirstOrThrow(),
    );
    const room = window - Number(outstanding.n);
    if (room <= 0) return [];
    const rows = await this.run(() =>
      this.db
        .updateTable('average_chunks')
        .set({ queued_at: now })
        .where('job_id', '=', jobId)
        .where('queued_at', 'is', null)
        .where('chunk_index', 'in', (eb) =>
          eb
            .selectFrom('average_chunks')
            .select('chunk_index')
            .where('job_id', '=', jobId)
            .where('state', '=', 'pending')
            .where('queued_at', 'is', null)
            .orderBy('chunk_index')
            .limit(room),
        )
        .returning('chunk_index')
        .execute(),
    );
    return rows.map((r) => Number(r.chunk_index)).sort((a, b) => a - b);
  }

  async resetQueued(jobId: string): Promise<void> {
    await this.run(() =>
      this.db
        .updateTable('average_chunks')
        .set({ queued_at: null })
        .where('job_id', '=', jobId)
        .where('state', '=', 'pending')
        .execute(),
    );
  }

  async finishPreparing(
    jobId: string,
    totals: { chunks: number; entries: number; rejected: RejectedEntry[] },
    now: number,
  ): Promise<boolean> {
    const result = await this.run(() =>
      this.db
        .updateTable('average_jobs')
        .set({
          state: 'running',
          total_chunks: totals.chunks,
          total_entries: totals.entries,
          rejected: JSON.stringify(totals.rejected),
          updated_at: now,
        })
        .where('id', '=', jobId)
        .where('state', '=', 'preparing')
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }

  async completeChunk(jobId: string, index: number, partial: ChunkPartial, now: number): Promise<boolean> {
    // one statement: done only once, and only while the job is not over
    const updated = await this.run(() =>
      this.db
        .updateTable('average_chunks')
        .set({ state: 'done', partial: JSON.stringify(partial), completed_at: now })
        .where('job_id', '=', jobId)
        .where('chunk_index', '=', index)
        .where('state', '=', 'pending')
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('average_jobs')
              .select('id')
              .where('id', '=', jobId)
              .where('state', 'in', UNFINISHED),
          ),
        )
        .executeTakeFirst(),
    );
    if (updated.numUpdatedRows === 0n) return false;
    await this.run(() =>
      this.db.updateTable('average_jobs').set({ updated_at: now }).where('id', '=', jobId).execute(),
    );
    return true;
  }

  async partials(jobId: string): Promise<{ index: number; partial: ChunkPartial }[]> {
    const rows = await this.run(() =>
      this.db
        .selectFrom('average_chunks')
        .select(['chunk_index', 'partial'])
        .where('job_id', '=', jobId)
        .where('state', '=', 'done')
        .orderBy('chunk_index')
        .execute(),
    );
    return rows.map((r) => ({ index: Number(r.chunk_index), partial: JSON.parse(r.partial ?? 'null') }));
  }

  async finishJob(
    jobId: string,
    result: AverageResult & { stats: AverageStats },
    now: number,
  ): Promise<boolean> {
    const updated = await this.run(() =>
      this.db
        .updateTable('average_jobs')
        .set({ state: 'done', result: JSON.stringify(result), updated_at: now, finished_at: now })
        .where('id', '=', jobId)
        .where('state', '=', 'running')
        .executeTakeFirst(),
    );
    return updated.numUpdatedRows > 0n;
  }

  async endJob(
    jobId: string,
    state: 'failed' | 'cancelled',
    error: ErrorInfo | null,
    now: number,
  ): Promise<boolean> {
    const updated = await this.run(() =>
      this.db
        .updateTable('average_jobs')
        .set({
          state,
          error: error ? JSON.stringify(error) : null,
          updated_at: now,
          finished_at: now,
        })
        .where('id', '=', jobId)
        .where('state', 'in', UNFINISHED)
        .executeTakeFirst(),
    );
    return updated.numUpdatedRows > 0n;
  }

  async deleteFinishedJob(jobId: string): Promise<{ job: AverageJobRecord; freeBlobs: string[] } | null> {
    const job = await this.getJob(jobId);
    if (!job || UNFINISHED.includes(job.state)) return null;
    const listed = new Set<string>();
    const chunks = await this.run(() =>
      this.db.selectFrom('average_chunks').select('entries').where('job_id', '=', jobId).execute(),
    );
    for (const chunk of chunks)
      for (const entry of JSON.parse(chunk.entries) as ChunkEntry[])
        if ('sha256' in entry) listed.add(entry.sha256);
    // Single statements (see retryBusy): the chunks, then the job, and only while it is still finished.
    await this.run(() => this.db.deleteFrom('average_chunks').where('job_id', '=', jobId).execute());
    const deleted = await this.run(() =>
      this.db
        .deleteFrom('average_jobs')
        .where('id', '=', jobId)
        .where('state', 'not in', UNFINISHED)
        .executeTakeFirst(),
    );
    if (deleted.numDeletedRows === 0n) return null;
    return { job, freeBlobs: await this.unreferenced(listed) };
  }

  /** Of `candidates`, the blobs that no photo row and no chunk row (of any job) names. */
  private async unreferenced(candidates: Set<string>): Promise<string[]> {
    const free = new Set(candidates);
    const all = [...free];
    const db = this.db;
    for (let i = 0; i < all.length; i += 500) {
      const rows = await this.run(() =>
        db
          .selectFrom('images')
          .select('sha256')
          .where('sha256', 'in', all.slice(i, i + 500))
          .execute(),
      );
      for (const row of rows) free.delete(row.sha256);
    }
    // Chunk entries are JSON: read through the remaining chunks once, page by page, rather than match each blob.
    let after: { job: string; index: number } | null = null;
    while (free.size > 0) {
      const cursor: { job: string; index: number } | null = after;
      const page = await this.run(() => {
        let q = this.db
          .selectFrom('average_chunks')
          .select(['job_id', 'chunk_index', 'entries'])
          .orderBy('job_id')
          .orderBy('chunk_index')
          .limit(500);
        if (cursor)
          q = q.where((eb) =>
            eb.or([
              eb('job_id', '>', cursor.job),
              eb.and([eb('job_id', '=', cursor.job), eb('chunk_index', '>', cursor.index)]),
            ]),
          );
        return q.execute();
      });
      for (const chunk of page)
        for (const entry of JSON.parse(chunk.entries) as ChunkEntry[])
          if ('sha256' in entry) free.delete(entry.sha256);
      const last = page.at(-1);
      if (!last || page.length < 500) break;
      after = { job: last.job_id, index: Number(last.chunk_index) };
    }
    return [...free];
  }

  async finishedJobsBefore(finishedBefore: number, limit: number): Promise<string[]> {
    const rows = await this.run(() =>
      this.db
        .selectFrom('average_jobs')
        .select('id')
        .where('state', 'not in', UNFINISHED)
        .where('finished_at', '<', finishedBefore)
        .orderBy('finished_at')
        .limit(limit)
        .execute(),
    );
    return rows.map((r) => r.id);
  }
}
