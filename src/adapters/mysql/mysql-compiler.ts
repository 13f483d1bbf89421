import {
  type ColumnUpdateNode,
  type CreateTableNode,
  ForeignKeyConstraintNode,
  MysqlQueryCompiler,
  type OnConflictNode,
  type RawNode,
  type ReferenceNode,
  TableNode,
} from 'kysely';

/**
 * The few spellings in the shared SQL (`src/adapters/sql`) that MySQL and MariaDB read differently,
 * rewritten where raw SQL fragments carry them. Standard casts: `as integer` / `as text` are `as signed` /
 * `as char` there. `escape '\'`: MySQL's default mode treats a backslash in a string literal as an escape
 * character, so one backslash is written as two.
 */
const RAW_REWRITES: [RegExp, string][] = [
  [/\bas integer\)/gi, 'as signed)'],
  [/\bas text\)/gi, 'as char)'],
  [/escape '\\'/gi, "escape '\\\\'"],
];

export function mysqlRawFragment(fragment: string): string {
  let out = fragment;
  for (const [pattern, replacement] of RAW_REWRITES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Kysely's MySQL compiler, plus PostgreSQL's `INSERT … ON CONFLICT` written as MySQL's
 * `ON DUPLICATE KEY UPDATE`: `DO NOTHING` becomes a no-op assignment of the first conflict column
 * (never `INSERT IGNORE`, which would also turn other errors into warnings), `DO UPDATE SET` keeps its
 * assignments, with `excluded.col` (the row that was refused) as `values(col)`.
 */
export class FaceflowMysqlCompiler extends MysqlQueryCompiler {
  protected override visitOnConflict(node: OnConflictNode): void {
    if (node.updateWhere || node.indexWhere) throw new Error('ON CONFLICT … WHERE has no MySQL equivalent');
    this.append('on duplicate key update ');
    if (node.doNothing || !node.updates?.length) {
      const column = node.columns?.[0];
      if (!column) throw new Error('ON CONFLICT DO NOTHING needs a conflict column on MySQL');
      this.visitNode(column);
      this.append(' = ');
      this.visitNode(column);
      return;
    }
    this.compileList(node.updates as ColumnUpdateNode[]);
  }

  protected override visitReference(node: ReferenceNode): void {
    if (node.table && TableNode.is(node.table) && node.table.table.identifier.name === 'excluded') {
      this.append('values(');
      this.visitNode(node.column);
      this.append(')');
      return;
    }
    super.visitReference(node);
  }

  /**
   * A column's own `REFERENCES` is ignored by MySQL 8 (parsed, no key made); written as a table
   * constraint `FOREIGN KEY (col) REFERENCES …` it is kept by MySQL and MariaDB alike.
   */
  protected override visitCreateTable(node: CreateTableNode): void {
    const foreignKeys = node.columns
      .filter((c) => c.references)
      .map((c) => {
        const references = c.references as NonNullable<typeof c.references>;
        return ForeignKeyConstraintNode.cloneWith(
          ForeignKeyConstraintNode.create([c.column], references.table, references.columns),
          { onDelete: references.onDelete, onUpdate: references.onUpdate },
        );
      });
    if (foreignKeys.length === 0) {
      super.visitCreateTable(node);
      return;
    }
    super.visitCreateTable({
      ...node,
      columns: node.columns.map((c) => ({ ...c, references: undefined })),
      constraints: [...(node.constraints ?? []), ...foreignKeys],
    });
  }

  protected override visitRaw(node: RawNode): void {
    super.visitRaw({ ...node, sqlFragments: node.sqlFragments.map(mysqlRawFragment) });
  }
}
