import {
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from '../../src/roles/wiring/database.ts';
import { createTestMysqlDatabase, createTestSchema } from './servers.ts';
import { mysqlReader, postgresReader, type Sql } from './sql-reader.ts';

/** A fresh, empty database on one of the test servers, as a test run gets it. */
export interface TestDatabase {
  /** Its `DATABASE_URL`. */
  url: string;
  /** One more client of it, as a process has (migrates unless `migrate: false`). */
  open(options?: OpenDatabaseOptions): Promise<OpenedDatabase>;
  /** Reads it directly (not through faceflow). */
  reader(): Promise<Sql>;
  /** Removes it with everything in it. */
  drop(): Promise<void>;
}

export interface ServerDatabase {
  name: 'PostgreSQL' | 'MariaDB';
  create(): Promise<TestDatabase>;
}

function testDatabase(url: string, reader: () => Promise<Sql>, drop: () => Promise<void>): TestDatabase {
  return { url, open: (options) => openDatabase(url, options), reader, drop };
}

/** A schema of its own in the test PostgreSQL. */
export const POSTGRES_SERVER: ServerDatabase = {
  name: 'PostgreSQL',
  async create() {
    const schema = await createTestSchema();
    return testDatabase(schema.url, () => postgresReader(schema.schema), schema.drop);
  },
};

/** A database of its own on the test MariaDB (`mysql://`). */
export const MARIADB_SERVER: ServerDatabase = {
  name: 'MariaDB',
  async create() {
    const database = await createTestMysqlDatabase();
    return testDatabase(database.url, () => mysqlReader(database.url), database.drop);
  },
};

/** The database servers the SQL adapters run on; every server contract suite runs on each. */
export const SERVER_DATABASES: ServerDatabase[] = [POSTGRES_SERVER, MARIADB_SERVER];
