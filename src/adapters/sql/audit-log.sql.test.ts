import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_OPERATOR } from '../../core/principal.ts';
import { type AuditDetails, auditActorOf, SYSTEM_ACTOR } from '../../ports/audit-log.ts';
import { openSqlite, type SqliteHandle } from '../sqlite/sqlite-database.ts';
import { SqlAuditLog } from './audit-log.sql.ts';

describe('SqlAuditLog', () => {
  let handle: SqliteHandle;
  let log: SqlAuditLog;
  let now = 1_000;

  beforeEach(async () => {
    handle = await openSqlite(':memory:');
    log = new SqlAuditLog(handle.db, { now: () => now });
  });
  afterEach(() => handle.close());

  it('keeps entries newest first, filters by action and pages with a cursor', async () => {
    const user = auditActorOf({ kind: 'user', id: 'usr_1', name: 'ada', role: 'admin' });
    for (let i = 0; i < 5; i++) {
      now += 1;
      await log.record({
        actor: i % 2 ? user : SYSTEM_ACTOR,
        action: i % 2 ? 'person.created' : 'retention.purged',
        target: i % 2 ? { type: 'person', id: `per_${i}` } : null,
        details: { n: i, ok: true, note: null },
      });
    }
    const all = await log.list({ limit: 10 });
    expect(all.entries.map((e) => e.details.n)).toEqual([4, 3, 2, 1, 0]);
    expect(all.nextCursor).toBeNull();
    expect(all.entries[1]).toEqual({
      id: expect.stringMatching(/^aud_/),
      at: 1_004,
      actor: { kind: 'user', id: 'usr_1', name: 'ada' },
      action: 'person.created',
      target: { type: 'person', id: 'per_3' },
      details: { n: 3, ok: true, note: null },
    });
    const first = await log.list({ action: 'retention.purged', limit: 2 });
    expect(first.entries.map((e) => e.details.n)).toEqual([4, 2]);
    const second = await log.list({ action: 'retention.purged', limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.entries.map((e) => e.details.n)).toEqual([0]);
    expect(second.nextCursor).toBeNull();
  });

  it('never stores an actor role, an array or an object (an embedding cannot slip into the details)', async () => {
    expect(auditActorOf(LOCAL_OPERATOR)).toEqual({ kind: 'local', id: 'local', name: 'local' });
    const embedding = { embedding: new Float32Array([0.1, 0.2]) } as unknown as AuditDetails;
    await expect(
      log.record({ actor: SYSTEM_ACTOR, action: 'face.enrolled', details: embedding }),
    ).rejects.toThrow(/embedding is not a string/);
    await expect(
      log.record({
        actor: SYSTEM_ACTOR,
        action: 'face.enrolled',
        details: { ids: ['a'] } as unknown as AuditDetails,
      }),
    ).rejects.toThrow(/ids/);
    await expect(log.record({ actor: SYSTEM_ACTOR, action: 'Not An Action' })).rejects.toThrow(/dotted/);
    expect((await log.list({ limit: 10 })).entries).toEqual([]);
  });
});
