import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import {
  AUDIT_ACTION,
  type AuditDetails,
  type AuditEntry,
  type AuditLog,
  type AuditQuery,
  type NewAuditEntry,
} from '../../ports/audit-log.ts';
import type { Clock } from '../../ports/clock.ts';
import { keysetPage } from './rows.ts';
import type { AuditLogTable, Database } from './schema.ts';

/** Refuses anything but flat scalar details, whatever the caller's types said (JavaScript callers, casts). */
function checkedDetails(details: AuditDetails | undefined): AuditDetails {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(details ?? {})) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value))
      throw new AppError('internal', `audit detail ${key} is not a string, number, boolean or null`);
    out[key] = value;
  }
  return out;
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    at: Number(row.at),
    actor: { kind: row.actor_kind, id: row.actor_id, name: row.actor_name },
    action: row.action,
    target:
      row.target_type !== null && row.target_id !== null
        ? { type: row.target_type, id: row.target_id }
        : null,
    details: JSON.parse(row.details) as AuditDetails,
  };
}

/** AuditLog on Kysely, dialect-neutral (SQLite and PostgreSQL). Newest first, keyset pagination on the id. */
export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  private get table() {
    return this.db.selectFrom('audit_log');
  }

  async record(entry: NewAuditEntry): Promise<AuditEntry> {
    if (!AUDIT_ACTION.test(entry.action))
      throw new AppError('internal', `audit action ${entry.action} is not a dotted lower-case name`);
    const at = this.clock.now();
    const row: AuditLogTable = {
      id: newId('aud', at),
      at,
      actor_kind: entry.actor.kind,
      actor_id: entry.actor.id,
      actor_name: entry.actor.name,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      details: JSON.stringify(checkedDetails(entry.details)),
    };
    await this.db.insertInto('audit_log').values(row).execute();
    return toEntry(row);
  }

  async list(query: AuditQuery): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
    let q = this.table.selectAll();
    if (query.action) q = q.where('action', '=', query.action);
    if (query.cursor) q = q.where('id', '<', query.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const { items, nextCursor } = keysetPage(rows, query.limit, toEntry);
    return { entries: items, nextCursor };
  }
}
