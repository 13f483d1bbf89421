import type { Principal } from '../core/principal.ts';

/** Who did something: a principal of a request, or faceflow itself (retention). */
export type AuditActor =
  | Pick<Principal, 'kind' | 'id' | 'name'>
  | { kind: 'system'; id: 'system'; name: 'system' };

/** The actor of work faceflow does on its own (the retention purge of the redeemer). */
export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: 'system', name: 'system' };

/** What was done. The auth module adds its own (`user.*`, `key.*`, `auth.*`); any dotted lower-case name is valid. */
export type AuditAction =
  | 'person.created'
  | 'person.renamed'
  | 'person.deleted'
  | 'person.purged'
  | 'face.enrolled'
  | 'face.assigned'
  | 'photo.deleted'
  | 'retention.purged'
  | 'retention.purged_average_jobs'
  | 'average.downloaded'
  | 'average.deleted'
  | (string & {});

export const AUDIT_ACTION = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/;

/**
 * Flat details: names, ids and counts only. Arrays and objects are refused by the type (and the adapter),
 * so an embedding (or a photo) can never end up in the log.
 */
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface NewAuditEntry {
  actor: AuditActor;
  action: AuditAction;
  target?: { type: string; id: string } | null;
  details?: AuditDetails;
}

export interface AuditEntry {
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  actor: { kind: string; id: string; name: string };
  action: string;
  target: { type: string; id: string } | null;
  details: AuditDetails;
}

export interface AuditQuery {
  action?: string;
  /** Id of the last entry of the previous page (keyset pagination, newest first). */
  cursor?: string;
  limit: number;
}

/** Who did what to which person, face or photo, and when: append-only, read by admins. */
export interface AuditLog {
  record(entry: NewAuditEntry): Promise<AuditEntry>;
  list(query: AuditQuery): Promise<{ entries: AuditEntry[]; nextCursor: string | null }>;
}

/** The actor fields of a principal (never its role or credentials). */
export function auditActorOf(principal: Principal): AuditActor {
  return { kind: principal.kind, id: principal.id, name: principal.name } as AuditActor;
}
