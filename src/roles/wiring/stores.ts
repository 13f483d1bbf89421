import type { Kysely } from 'kysely';
import { SqlAverageJobStore } from '../../adapters/sql/average-job-store.sql.ts';
import { migrateToLatest } from '../../adapters/sql/migrations/migrations.ts';
import type { Database } from '../../adapters/sql/schema.ts';
import { type SqlStoreOptions, sqlStores } from '../../adapters/sql/sql-stores.ts';
import type { MigrateConfig } from '../../config/roles.config.ts';
import type { AuditLog } from '../../ports/audit-log.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventBus } from '../../ports/event-bus.ts';
import type { FaceGroupStores } from '../../ports/face-groups.ts';
import type { Logger } from '../../ports/logger.ts';
import type { PhotoStores } from '../../ports/photo-stores.ts';
import type { PrivacyStore } from '../../ports/privacy-store.ts';
import type { UserStore } from '../../ports/user-store.ts';
import type { WorkerHeartbeatStore } from '../../ports/worker-heartbeats.ts';
import { databaseKind, type OpenedDatabase, openDatabase as openDatabaseAt } from './database.ts';

/*
 * The one place that knows which SQL adapter class serves which port: every role opens its database and
 * stores through here.
 */

export type DatabaseConfig = Pick<MigrateConfig, 'DATABASE_URL'> &
  Partial<Pick<MigrateConfig, 'DATABASE_POOL_SIZE' | 'DATABASE_STATEMENT_TIMEOUT_MS'>>;

export type DatabaseHandle = OpenedDatabase;

export interface DatabaseOptions {
  /** Server connections (default DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** Default DATABASE_STATEMENT_TIMEOUT_MS. */
  statementTimeoutMs?: number;
  /** Bring the schema up to date first (default true). */
  migrate?: boolean;
}

/** The database DATABASE_URL names: `sqlite:<path>`, `postgres://…` or `mysql://…`. */
export function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  return openDatabaseAt(config.DATABASE_URL, {
    poolSize: options.poolSize ?? config.DATABASE_POOL_SIZE,
    statementTimeoutMs: options.statementTimeoutMs ?? config.DATABASE_STATEMENT_TIMEOUT_MS,
    migrate: options.migrate,
  });
}

/** Brings the schema of a database opened with `migrate: false` up to date; returns the migrations applied. */
export function migrateDatabase(database: DatabaseHandle): Promise<string[]> {
  return migrateToLatest(database.db, database.types, database.migrationSchema);
}

export interface Stores {
  /** Photos, faces, people, the gallery and the outbox: one small store each, on one database. */
  stores: PhotoStores;
  /** Forgetting people and the retention purge. */
  privacy: PrivacyStore;
  /** Users, sessions and API keys (one connection on SQLite: no lock waits). */
  users: UserStore;
  audit: AuditLog;
  /** Worker heartbeat rows (the System page lists the workers). */
  heartbeats: WorkerHeartbeatStore;
  /** Suggested people and corrections, and the (linear) index incremental grouping searches. */
  faceGroups: FaceGroupStores;
}

/**
 * The stores on one database (they share its connection). PostgreSQL relays the outbox with SKIP LOCKED,
 * so several api processes can relay at once.
 */
export async function openStores(database: DatabaseHandle, clock: Clock): Promise<Stores> {
  const options: SqlStoreOptions = database.relayer ? { relayer: database.relayer } : {};
  const { privacy, users, audit, heartbeats, faceGroups, ...stores } = sqlStores(database.db, clock, options);
  return { stores, privacy, users, audit, heartbeats, faceGroups };
}

/**
 * Events: in-process on SQLite; on PostgreSQL (LISTEN/NOTIFY) and MySQL/MariaDB (a polled events table)
 * shared with every process on the database, so an api's SSE clients see what a worker process wrote.
 */
export async function openEventBus(
  database: DatabaseHandle,
  options: { clock: Clock; log: Logger; capacity: number; pollMs?: number },
): Promise<{ events: EventBus; close(): Promise<void> }> {
  const bus = await database.openEvents(options);
  return { events: bus, close: () => bus.shutdown() };
}

export interface AverageStoreHandle {
  /** Null where the configured database has no average-job adapter. */
  averages: AverageJobStore | null;
  close(): Promise<void>;
}

/**
 * The average-job store on the configured database. On SQLite it has a connection of its own, which
 * never waits for a lock inside SQLite (busy_timeout 0: better-sqlite3 would block the event loop while
 * the process's other connection holds a transaction open across an await); the store retries busy
 * statements asynchronously instead, and writes with single statements, so it never holds a lock itself.
 */
export async function openAverageStore(config: DatabaseConfig): Promise<AverageStoreHandle> {
  if (databaseKind(config.DATABASE_URL) !== 'sqlite') {
    // PostgreSQL and MySQL have no such lock trap: a small pool of its own is enough
    const database = await openDatabase(config, { poolSize: 2 });
    return { averages: new SqlAverageJobStore(database.db), close: () => database.close() };
  }
  const database = await openDatabase(config);
  const store = new SqlAverageJobStore(database.db, { retryBusy: true });
  await store.disableBusyWait();
  return { averages: store, close: () => database.close() };
}
