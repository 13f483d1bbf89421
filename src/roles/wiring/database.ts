import type { Kysely } from 'kysely';
import { MemoryEventBus } from '../../adapters/events-memory/event-bus.memory.ts';
import {
  type DialectTypes,
  MYSQL_TYPES,
  POSTGRES_TYPES,
  SQLITE_TYPES,
} from '../../adapters/sql/migrations/migrations.ts';
import type { OutboxRelayer } from '../../adapters/sql/outbox.sql.ts';
import type { Database } from '../../adapters/sql/schema.ts';
import { openSqlite, sqlitePathFromUrl } from '../../adapters/sqlite/sqlite-database.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventBus } from '../../ports/event-bus.ts';
import type { Logger } from '../../ports/logger.ts';

export type DatabaseKind = 'sqlite' | 'postgres' | 'mysql';

/** Which database a `DATABASE_URL` names (the config schema has already checked its form). */
export function databaseKind(url: string): DatabaseKind {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('mysql:')) return 'mysql';
  return 'postgres';
}

export interface EventsOptions {
  capacity: number;
  clock: Clock;
  log: Logger;
  /** MySQL/MariaDB: how often the events table is read. */
  pollMs?: number;
}

export type ClosableEventBus = EventBus & { shutdown(): Promise<void> };

export interface OpenedDatabase {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Column types of this dialect's migrations. */
  types: DialectTypes;
  /** Where Kysely keeps its migration tables (PostgreSQL schema, MySQL database). */
  migrationSchema?: string;
  /** The outbox relay for a database many processes relay from at once (absent on SQLite). */
  relayer?: OutboxRelayer;
  /**
   * The event bus for this database: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL, a polled table
   * on MySQL/MariaDB; on the servers every process on the database hears it.
   */
  openEvents(options: EventsOptions): Promise<ClosableEventBus>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  poolSize?: number;
  statementTimeoutMs?: number;
  migrate?: boolean;
}

function memoryEvents({ capacity, clock }: EventsOptions): Promise<ClosableEventBus> {
  const bus = new MemoryEventBus(capacity, clock);
  return Promise.resolve(Object.assign(bus, { shutdown: async () => bus.close() }));
}

/**
 * Opens the database `url` names (and migrates it unless told not to). The only place that knows which
 * adapter serves which URL; the server drivers are loaded only when used.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const kind = databaseKind(url);
  if (kind === 'sqlite') {
    const handle = await openSqlite(sqlitePathFromUrl(url), { migrate: options.migrate });
    return {
      db: handle.db,
      kind,
      types: SQLITE_TYPES,
      openEvents: memoryEvents,
      close: () => handle.close(),
    };
  }
  const { skipLockedRelayer } = await import('../../adapters/sql/outbox-relayer.skip-locked.ts');
  if (kind === 'mysql') {
    const { openMysql } = await import('../../adapters/mysql/mysql-database.ts');
    const { MysqlEventBus } = await import('../../adapters/mysql/event-bus.mysql.ts');
    const handle = await openMysql({ url, ...options });
    return {
      db: handle.db,
      kind,
      types: MYSQL_TYPES,
      migrationSchema: handle.database,
      relayer: skipLockedRelayer,
      openEvents: ({ pollMs, ...rest }) =>
        MysqlEventBus.open({ db: handle.db, pollMs: pollMs ?? 250, ...rest }),
      close: () => handle.close(),
    };
  }
  const { openPostgres } = await import('../../adapters/postgres/postgres-database.ts');
  const { PostgresEventBus } = await import('../../adapters/postgres/event-bus.postgres.ts');
  const handle = await openPostgres({ url, ...options });
  return {
    db: handle.db,
    kind,
    types: POSTGRES_TYPES,
    migrationSchema: handle.schema,
    relayer: skipLockedRelayer,
    openEvents: ({ capacity, clock, log }) =>
      PostgresEventBus.open({
        connect: handle.connect,
        channel: `faceflow_events_${handle.schema}`,
        capacity,
        clock,
        log,
      }),
    close: () => handle.close(),
  };
}
