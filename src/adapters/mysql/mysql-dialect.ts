import {
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  MysqlAdapter,
  MysqlDialect,
  type MysqlDialectConfig,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { FaceflowMysqlCompiler } from './mysql-compiler.ts';
import { primaryKeysFromSchema, ReturningConnection } from './returning-emulation.ts';

/**
 * Kysely's MySQL dialect with the two gaps the shared SQL meets filled in: `ON CONFLICT` written as
 * `ON DUPLICATE KEY UPDATE` (the compiler) and `… RETURNING` run as lock, write, read back (the
 * connections). The stores in `src/adapters/sql` run on it unchanged.
 */
export class FaceflowMysqlDialect extends MysqlDialect {
  constructor(private readonly config: MysqlDialectConfig) {
    super(config);
  }

  override createAdapter(): DialectAdapter {
    return new ReturningMysqlAdapter();
  }

  override createQueryCompiler(): QueryCompiler {
    return new FaceflowMysqlCompiler();
  }

  override createDriver(): Driver {
    return new ReturningDriver(new MysqlDialect(this.config).createDriver(), new FaceflowMysqlCompiler());
  }
}

/** RETURNING is there (emulated), so Kysely hands back the rows. */
class ReturningMysqlAdapter extends MysqlAdapter {
  override get supportsReturning(): boolean {
    return true;
  }
}

/** Hands out `ReturningConnection`s and tells each whether it is inside a transaction. */
class ReturningDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, ReturningConnection>();
  private readonly primaryKeys = primaryKeysFromSchema();

  constructor(
    private readonly inner: Driver,
    private readonly compiler: FaceflowMysqlCompiler,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const raw = await this.inner.acquireConnection();
    let connection = this.wrapped.get(raw);
    if (!connection) {
      connection = new ReturningConnection(raw, this.compiler, this.primaryKeys);
      this.wrapped.set(raw, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as ReturningConnection;
    await this.inner.beginTransaction(c.inner, settings);
    c.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ReturningConnection;
    c.inTransaction = false;
    await this.inner.commitTransaction(c.inner);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as ReturningConnection;
    c.inTransaction = false;
    await this.inner.rollbackTransaction(c.inner);
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.savepoint?.((connection as ReturningConnection).inner, name, compile);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.rollbackToSavepoint?.((connection as ReturningConnection).inner, name, compile);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.inner.releaseSavepoint?.((connection as ReturningConnection).inner, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as ReturningConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
