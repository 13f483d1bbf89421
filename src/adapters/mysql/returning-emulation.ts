import {
  AndNode,
  BinaryOperationNode,
  ColumnNode,
  CompiledQuery,
  type DatabaseConnection,
  DeleteQueryNode,
  InsertQueryNode,
  type OperationNode,
  OperatorNode,
  OrNode,
  ParensNode,
  PrimitiveValueListNode,
  type QueryId,
  type QueryResult,
  RawNode,
  ReferenceNode,
  type ReturningNode,
  type RootOperationNode,
  SelectionNode,
  SelectModifierNode,
  SelectQueryNode,
  TableNode,
  UpdateQueryNode,
  type ValueListNode,
  ValueNode,
  ValuesNode,
  WhereNode,
} from 'kysely';
import type { FaceflowMysqlCompiler } from './mysql-compiler.ts';

/** MySQL's and MariaDB's error number for a duplicate unique key. */
const ER_DUP_ENTRY = 1062;
/** InnoDB chose this transaction as a deadlock's victim and rolled it back whole. */
const ER_LOCK_DEADLOCK = 1213;
const DEADLOCK_TRIES = 5;

const isDeadlock = (error: unknown) => (error as { errno?: number }).errno === ER_LOCK_DEADLOCK;

/**
 * Runs `work` again when InnoDB rolled it back as a deadlock's victim: a receive's index scan and an ack's
 * delete can lock the same rows in opposite orders, which PostgreSQL's row locks never turn into an error.
 * Only for work that is its own transaction (a statement outside one, or a transaction begun here), which the
 * rollback undid entirely; inside the caller's transaction the error goes up to the caller.
 */
async function retryingDeadlocks<R>(work: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= DEADLOCK_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

type Row = Record<string, unknown>;
type Key = unknown[];

/** The primary-key columns of a table, read once from `information_schema`. */
export type PrimaryKeys = (
  table: string,
  run: (query: CompiledQuery) => Promise<QueryResult<Row>>,
) => Promise<string[]>;

export function primaryKeysFromSchema(): PrimaryKeys {
  const known = new Map<string, string[]>();
  return async (table, run) => {
    const cached = known.get(table);
    if (cached) return cached;
    const { rows } = await run(
      CompiledQuery.raw(
        `select column_name as c from information_schema.key_column_usage
         where table_schema = database() and table_name = ? and constraint_name = 'PRIMARY'
         order by ordinal_position`,
        [table],
      ),
    );
    const columns = rows.map((r) => String(r.c));
    if (columns.length === 0) throw new Error(`table ${table} has no primary key`);
    known.set(table, columns);
    return columns;
  };
}

/**
 * A connection that runs `UPDATE|DELETE|INSERT … RETURNING` (the shared SQL's claims, written for
 * PostgreSQL and SQLite) on MySQL and MariaDB, which have no `UPDATE … RETURNING` (and MySQL no RETURNING
 * at all), with the same outcome: in one transaction (the caller's, or one of its own), the rows the
 * statement would touch are locked (`SELECT … FOR UPDATE`, which re-reads the latest committed row after
 * a lock wait, as PostgreSQL's UPDATE does), the statement runs on exactly those rows by primary key, and
 * they are read back (before a DELETE, after the others). The locks are held to commit, so no other
 * claim can come between. `col IN (subquery)` conditions (a queue's `… LIMIT n FOR UPDATE SKIP LOCKED`)
 * run first, as MySQL allows neither `LIMIT` in such a subquery nor its reading the table being updated.
 */
export class ReturningConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly compiler: FaceflowMysqlCompiler,
    private readonly primaryKeys: PrimaryKeys,
  ) {}

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const node = compiled.query;
    if (UpdateQueryNode.is(node) && node.returning)
      return this.atomically(() =>
        this.updateReturning(node, node.returning as ReturningNode, compiled.queryId),
      );
    if (DeleteQueryNode.is(node) && node.returning)
      return this.atomically(() =>
        this.deleteReturning(node, node.returning as ReturningNode, compiled.queryId),
      );
    if (InsertQueryNode.is(node) && node.returning)
      return this.atomically(() =>
        this.insertReturning(node, node.returning as ReturningNode, compiled.queryId),
      );
    if (this.inTransaction) return this.inner.executeQuery<R>(compiled);
    return retryingDeadlocks(() => this.inner.executeQuery<R>(compiled));
  }

  streamQuery<R>(compiled: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiled, chunkSize);
  }

  private async atomically<R>(work: () => Promise<QueryResult<Row>>): Promise<QueryResult<R>> {
    if (this.inTransaction) return (await work()) as QueryResult<R>;
    return retryingDeadlocks(async () => {
      await this.inner.executeQuery(CompiledQuery.raw('begin'));
      try {
        const result = await work();
        await this.inner.executeQuery(CompiledQuery.raw('commit'));
        return result as QueryResult<R>;
      } catch (error) {
        await this.inner.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
        throw error;
      }
    });
  }

  private run(node: RootOperationNode, queryId: QueryId): Promise<QueryResult<Row>> {
    return this.inner.executeQuery<Row>(this.compiler.compileQuery(node, queryId));
  }

  private keyColumns(table: string): Promise<string[]> {
    return this.primaryKeys(table, (query) => this.inner.executeQuery<Row>(query));
  }

  private async updateReturning(node: UpdateQueryNode, returning: ReturningNode, queryId: QueryId) {
    const table = tableOf(node.table);
    const keys = await this.lockMatching(table, node.where, queryId);
    if (keys.length === 0) return { rows: [], numAffectedRows: 0n };
    const match = keyMatch(await this.keyColumns(table), keys);
    await this.run({ ...node, returning: undefined, where: WhereNode.create(match) }, queryId);
    return this.readBack(table, returning, match, queryId);
  }

  private async deleteReturning(node: DeleteQueryNode, returning: ReturningNode, queryId: QueryId) {
    const table = tableOf(node.from.froms[0]);
    const keys = await this.lockMatching(table, node.where, queryId);
    if (keys.length === 0) return { rows: [], numAffectedRows: 0n };
    const match = keyMatch(await this.keyColumns(table), keys);
    const result = await this.readBack(table, returning, match, queryId);
    await this.run({ ...node, returning: undefined, where: WhereNode.create(match) }, queryId);
    return result;
  }

  private async insertReturning(node: InsertQueryNode, returning: ReturningNode, queryId: QueryId) {
    const table = tableOf(node.into);
    const columns = await this.keyColumns(table);
    const keys = insertedKeys(node, columns);
    const plain: InsertQueryNode = { ...node, returning: undefined };
    if (node.onConflict?.doNothing) {
      // `ON CONFLICT DO NOTHING RETURNING`: a row comes back only when it went in. A duplicate key fails
      // just this statement on MySQL (the transaction goes on), which tells the two apart.
      if (keys.length !== 1)
        throw new Error('INSERT … ON CONFLICT DO NOTHING RETURNING: one row at a time on MySQL');
      try {
        await this.run({ ...plain, onConflict: undefined }, queryId);
      } catch (error) {
        if ((error as { errno?: number }).errno === ER_DUP_ENTRY) return { rows: [], numAffectedRows: 0n };
        throw error;
      }
    } else await this.run(plain, queryId);
    return this.readBack(table, returning, keyMatch(columns, keys), queryId);
  }

  /** Locks the rows `where` matches now and returns their primary keys. */
  private async lockMatching(table: string, where: WhereNode | undefined, queryId: QueryId): Promise<Key[]> {
    const columns = await this.keyColumns(table);
    let select = SelectQueryNode.cloneWithSelections(
      SelectQueryNode.createFrom([TableNode.create(table)]),
      columns.map((c) => selectionOf(c)),
    );
    if (where)
      select = { ...select, where: WhereNode.create(await this.resolveSubqueries(where.where, queryId)) };
    select = { ...select, endModifiers: [SelectModifierNode.create('ForUpdate')] };
    const { rows } = await this.run(select, queryId);
    return rows.map((row) => columns.map((c) => row[c]));
  }

  /** `x IN (SELECT …)` becomes `x IN (values)`, the subquery run first (with its own locks, if it takes any). */
  private async resolveSubqueries(node: OperationNode, queryId: QueryId): Promise<OperationNode> {
    if (AndNode.is(node))
      return AndNode.create(
        await this.resolveSubqueries(node.left, queryId),
        await this.resolveSubqueries(node.right, queryId),
      );
    if (OrNode.is(node))
      return OrNode.create(
        await this.resolveSubqueries(node.left, queryId),
        await this.resolveSubqueries(node.right, queryId),
      );
    if (ParensNode.is(node)) return ParensNode.create(await this.resolveSubqueries(node.node, queryId));
    if (
      BinaryOperationNode.is(node) &&
      OperatorNode.is(node.operator) &&
      (node.operator.operator === 'in' || node.operator.operator === 'not in') &&
      SelectQueryNode.is(node.rightOperand)
    ) {
      const { rows } = await this.run(node.rightOperand, queryId);
      const values = rows.map((row) => Object.values(row)[0]);
      if (values.length === 0)
        return RawNode.createWithSql(node.operator.operator === 'in' ? '(1 = 0)' : '(1 = 1)');
      return BinaryOperationNode.create(
        node.leftOperand,
        node.operator,
        PrimitiveValueListNode.create(values),
      );
    }
    return node;
  }

  private async readBack(table: string, returning: ReturningNode, match: OperationNode, queryId: QueryId) {
    const select: SelectQueryNode = {
      ...SelectQueryNode.cloneWithSelections(
        SelectQueryNode.createFrom([TableNode.create(table)]),
        returning.selections,
      ),
      where: WhereNode.create(match),
    };
    const { rows } = await this.run(select, queryId);
    return { rows, numAffectedRows: BigInt(rows.length) };
  }
}

function tableOf(node: OperationNode | undefined): string {
  if (node && TableNode.is(node)) return node.table.identifier.name;
  throw new Error('RETURNING on MySQL: only a statement on one plain table can be emulated');
}

function selectionOf(column: string): SelectionNode {
  return SelectionNode.create(ReferenceNode.create(ColumnNode.create(column)));
}

/** `pk IN (…)`, or for a composite key `(a = ? AND b = ?) OR …`. */
function keyMatch(columns: string[], keys: Key[]): OperationNode {
  const ref = (c: string) => ReferenceNode.create(ColumnNode.create(c));
  if (columns.length === 1)
    return BinaryOperationNode.create(
      ref(columns[0] as string),
      OperatorNode.create('in'),
      PrimitiveValueListNode.create(keys.map((k) => k[0])),
    );
  const one = (key: Key) =>
    ParensNode.create(
      columns
        .map(
          (c, i): OperationNode =>
            BinaryOperationNode.create(ref(c), OperatorNode.create('='), ValueNode.create(key[i])),
        )
        .reduce((a, b) => AndNode.create(a, b)),
    );
  return keys.map((k): OperationNode => one(k)).reduce((a, b) => OrNode.create(a, b));
}

/** The primary keys of the rows an INSERT writes, from its VALUES (faceflow's keys are made by the app). */
function insertedKeys(node: InsertQueryNode, keyColumns: string[]): Key[] {
  const names = (node.columns ?? []).map((c) => c.column.name);
  const positions = keyColumns.map((c) => names.indexOf(c));
  if (positions.some((p) => p < 0) || !node.values || !ValuesNode.is(node.values))
    throw new Error('INSERT … RETURNING on MySQL needs the primary key among the inserted values');
  return node.values.values.map((item) =>
    positions.map((p) => {
      if (PrimitiveValueListNode.is(item)) return item.values[p];
      const value = (item as ValueListNode).values[p];
      if (value && ValueNode.is(value)) return value.value;
      throw new Error('INSERT … RETURNING on MySQL: the primary key must be a plain value');
    }),
  );
}
