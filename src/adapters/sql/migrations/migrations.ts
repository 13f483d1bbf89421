import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { AppError } from '../../../core/errors.ts';
import { averageJobsMigration } from './migration-0002-average-jobs.ts';
import { averageQueuedMigration } from './migration-0003-average-queued.ts';
import { authMigration } from './migration-0004-auth.ts';
import { auditMigration } from './migration-0005-audit.ts';
import { enrolledThumbnailsMigration } from './migration-0006-enrolled-thumbnails.ts';
import { workerHeartbeatsMigration } from './migration-0007-worker-heartbeats.ts';
import { userNamesTokensMigration } from './migration-0008-user-names-tokens.ts';
import { totpMigration } from './migration-0009-totp.ts';
import { faceGroupsMigration } from './migration-0010-face-groups.ts';
import { traceContextMigration } from './migration-0011-trace-context.ts';

/**
 * Dialect-neutral migrations (SQLite, PostgreSQL, MySQL/MariaDB): plain column types
 * except where the dialects differ, which `types` names.
 */
export interface DialectTypes {
  binary: 'blob' | 'bytea' | 'longblob';
  bigint: 'integer' | 'bigint';
  real: 'real' | 'double precision' | 'double';
  /**
   * Ids and every other column a key or an index covers: MySQL cannot index `text` without a prefix
   * length, so there it is a `varchar` (255 characters of utf8mb4 fit InnoDB's 3072-byte key limit).
   */
  key: 'text' | 'varchar(255)';
  /** JSON and other text with no useful upper bound (MySQL's `text` stops at 64 KiB). */
  document: 'text' | 'longtext';
}

export const SQLITE_TYPES: DialectTypes = {
  binary: 'blob',
  bigint: 'integer',
  real: 'real',
  key: 'text',
  document: 'text',
};
export const POSTGRES_TYPES: DialectTypes = {
  binary: 'bytea',
  bigint: 'bigint',
  real: 'double precision',
  key: 'text',
  document: 'text',
};
/** MySQL 8 and MariaDB ≥ 10.6 (ADR 0006). */
export const MYSQL_TYPES: DialectTypes = {
  binary: 'longblob',
  bigint: 'bigint',
  real: 'double',
  key: 'varchar(255)',
  document: 'longtext',
};

function initial(t: DialectTypes): Migration {
  const key = sql.raw(t.key);
  const doc = sql.raw(t.document);
  const big = sql.raw(t.bigint);
  const bin = sql.raw(t.binary);
  const real = sql.raw(t.real);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on today's schema type
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('images')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('sha256', key, (c) => c.notNull().unique())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('import_path', 'text')
        .addColumn('size', big, (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('status', key, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('last_error_retryable', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', big)
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', big)
        .addColumn('width', 'integer')
        .addColumn('height', 'integer')
        .addColumn('request_id', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('processed_at', big)
        .execute();
      await db.schema
        .createIndex('images_status_due')
        .on('images')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('images_status_lease')
        .on('images')
        .columns(['status', 'lease_until'])
        .execute();

      await db.schema
        .createTable('people')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('faces')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('image_id', key, (c) => c.notNull().references('images.id').onDelete('cascade'))
        .addColumn('face_index', 'integer', (c) => c.notNull())
        .addColumn('box', 'text', (c) => c.notNull())
        .addColumn('landmarks', 'text', (c) => c.notNull())
        .addColumn('score', real, (c) => c.notNull())
        .addColumn('quality', 'text')
        .addColumn('embedding', bin, (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('person_id', key, (c) => c.references('people.id').onDelete('set null'))
        .addColumn('distance', real)
        .addColumn('match_source', 'text', (c) => c.notNull())
        .addColumn('needs_rematch', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', big, (c) => c.notNull())
        .addUniqueConstraint('faces_image_index', ['image_id', 'face_index'])
        .execute();
      await db.schema.createIndex('faces_person').on('faces').column('person_id').execute();
      await db.schema.createIndex('faces_rematch').on('faces').column('needs_rematch').execute();

      await db.schema
        .createTable('enrolled_faces')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('person_id', key, (c) => c.notNull().references('people.id').onDelete('cascade'))
        .addColumn('embedding', bin, (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('model_version', 'text', (c) => c.notNull())
        .addColumn('source_image_id', 'text')
        .addColumn('source_face_id', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('enrolled_faces_person').on('enrolled_faces').column('person_id').execute();

      await db.schema
        .createTable('outbox')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('job', doc, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', key, (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', doc, (c) => c.notNull())
        .addColumn('dedupe_key', key, (c) => c.unique())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('available_at', big, (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', big)
        .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('jobs_ready')
        .on('jobs')
        .columns(['priority', 'available_at', 'id'])
        .execute();

      await db.schema
        .createTable('meta')
        .addColumn('key', key, (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.insertInto('meta').values({ key: 'gallery_version', value: '0' }).execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: see up()
    async down(db: Kysely<any>) {
      for (const table of ['meta', 'jobs', 'outbox', 'enrolled_faces', 'faces', 'people', 'images'])
        await db.schema.dropTable(table).ifExists().execute();
    },
  };
}

export function migrationProvider(types: DialectTypes): MigrationProvider {
  return {
    getMigrations: async () => ({
      '0001_initial': initial(types),
      '0002_average_jobs': averageJobsMigration(types),
      '0003_average_queued': averageQueuedMigration(types),
      '0004_auth': authMigration(types),
      '0005_audit': auditMigration(types),
      '0006_enrolled_thumbnails': enrolledThumbnailsMigration(types),
      '0007_worker_heartbeats': workerHeartbeatsMigration(types),
      '0008_user_names_tokens': userNamesTokensMigration(types),
      '0009_totp': totpMigration(types),
      '0010_face_groups': faceGroupsMigration(types),
      '0011_trace_context': traceContextMigration(types),
    }),
  };
}

/** Brings the schema up to date; safe to run from several processes (a second one finds nothing to do). */
export async function migrateToLatest(
  // biome-ignore lint/suspicious/noExplicitAny: any schema
  db: Kysely<any>,
  types: DialectTypes,
  /**
   * PostgreSQL: the schema the tables live in. Kysely looks for its migration tables in every schema
   * unless told which, so another schema's tables (a parallel test run) would fool it.
   */
  schema?: string,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(types), migrationTableSchema: schema });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt >= MIGRATION_ATTEMPTS || !anotherSchemaVanished(error, schema))
      throw new AppError('unavailable', `database migration failed: ${String(error)}`, { cause: error });
    await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
  }
}

const MIGRATION_ATTEMPTS = 5;

/**
 * PostgreSQL's "schema … does not exist" (3F000) for a schema that is not ours: Kysely's migrator
 * lists the tables of every schema, and one dropped meanwhile (another process's, e.g. a parallel
 * test run) fails the listing. Nothing was migrated then; trying again is safe.
 */
function anotherSchemaVanished(error: unknown, schema: string | undefined): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '3F000' || typeof message !== 'string') return false;
  return schema === undefined || !message.includes(`"${schema}"`);
}

/** Migrates a freshly opened database; on failure closes it before rethrowing (no leaked pool or file handle). */
// biome-ignore lint/suspicious/noExplicitAny: any schema, as migrateToLatest
export async function migrateOrClose(db: Kysely<any>, types: DialectTypes, schema?: string): Promise<void> {
  try {
    await migrateToLatest(db, types, schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
