import { MemoryEventBus } from '../adapters/events-memory/event-bus.memory.ts';
import { SqlFaceGroupStore } from '../adapters/sql/face-groups.sql.ts';
import type { Database } from '../adapters/sql/schema.ts';
import { openSqlite, sqlitePathFromUrl } from '../adapters/sqlite/sqlite-database.ts';
import { type RegroupResult, regroupAll } from '../app/grouping.ts';
import type { RegroupConfig } from '../config/roles.config.ts';
import { systemClock } from '../ports/clock.ts';
import type { EventBus } from '../ports/event-bus.ts';
import { silentLogger } from '../ports/logger.ts';

/**
 * `faceflow regroup`: the batch re-grouping on the configured database, migrating it first when needed. On
 * PostgreSQL its event reaches every api process (open pages refresh); on SQLite a running server's pages
 * pick the new groups up at their next refresh.
 */
export async function regroupDatabase(config: RegroupConfig): Promise<RegroupResult> {
  let handle: { db: import('kysely').Kysely<Database>; close(): Promise<void> };
  let events: (EventBus & { shutdown(): Promise<void> }) | null = null;
  if (config.DATABASE_URL.startsWith('sqlite:'))
    handle = await openSqlite(sqlitePathFromUrl(config.DATABASE_URL));
  else {
    const { openPostgres } = await import('../adapters/postgres/postgres-database.ts');
    const { PostgresEventBus } = await import('../adapters/postgres/event-bus.postgres.ts');
    const pg = await openPostgres({
      url: config.DATABASE_URL,
      poolSize: 2,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    });
    handle = pg;
    events = await PostgresEventBus.open({
      connect: pg.connect,
      channel: `faceflow_events_${pg.schema}`,
      capacity: 10,
      clock: systemClock,
      log: silentLogger,
    });
  }
  const bus: EventBus = events ?? new MemoryEventBus();
  try {
    const store = new SqlFaceGroupStore(handle.db);
    return await regroupAll({
      groups: store,
      index: store,
      events: bus,
      clock: systemClock,
      log: silentLogger,
      policy: { threshold: config.GROUPING_THRESHOLD, minFaces: config.GROUPING_MIN_FACES },
    });
  } finally {
    if (events) await events.shutdown();
    else bus.close();
    await handle.close();
  }
}
