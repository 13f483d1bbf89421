import type { Kysely } from 'kysely';
import type { WorkerHeartbeat, WorkerHeartbeatStore } from '../../ports/worker-heartbeats.ts';
import type { Database, WorkerHeartbeatsTable } from './schema.ts';

const BREAKER_STATES = new Set(['closed', 'half_open', 'open']);

function fromRow(row: WorkerHeartbeatsTable): WorkerHeartbeat {
  return {
    id: row.id,
    host: row.host,
    pid: Number(row.pid),
    role: row.role,
    engineThreads: Number(row.engine_threads),
    threadsBusy: Number(row.threads_busy),
    jobsInHand: Number(row.jobs_in_hand),
    concurrency: Number(row.concurrency),
    breakerState: BREAKER_STATES.has(row.breaker_state ?? '')
      ? (row.breaker_state as WorkerHeartbeat['breakerState'])
      : null,
    startedAt: Number(row.started_at),
    lastSeen: Number(row.last_seen),
    intervalMs: Number(row.interval_ms),
  };
}

/** Heartbeat rows on Kysely: the same dialect-neutral upsert on SQLite and PostgreSQL. */
export class SqlWorkerHeartbeats implements WorkerHeartbeatStore {
  constructor(private readonly db: Kysely<Database>) {}

  async beat(h: WorkerHeartbeat): Promise<void> {
    const changing = {
      host: h.host,
      pid: h.pid,
      role: h.role,
      engine_threads: h.engineThreads,
      threads_busy: h.threadsBusy,
      jobs_in_hand: h.jobsInHand,
      concurrency: h.concurrency,
      breaker_state: h.breakerState,
      started_at: h.startedAt,
      last_seen: h.lastSeen,
      interval_ms: h.intervalMs,
    };
    await this.db
      .insertInto('worker_heartbeats')
      .values({ id: h.id, ...changing })
      .onConflict((oc) => oc.column('id').doUpdateSet(changing))
      .execute();
  }

  async list(): Promise<WorkerHeartbeat[]> {
    const rows = await this.db
      .selectFrom('worker_heartbeats')
      .selectAll()
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('worker_heartbeats').where('id', '=', id).execute();
  }

  async prune(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('worker_heartbeats')
      .where('last_seen', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
