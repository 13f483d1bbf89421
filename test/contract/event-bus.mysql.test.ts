import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlEventBus } from '../../src/adapters/mysql/event-bus.mysql.ts';
import { type MysqlHandle, openMysql } from '../../src/adapters/mysql/mysql-database.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { systemClock } from '../../src/ports/clock.ts';
import type { DomainEvent, PublishedEvent } from '../../src/ports/event-bus.ts';
import { createTestMysqlDatabase } from '../helpers/servers.ts';

const log = createLogger('silent', 'test');
const POLL_MS = 100;

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const photo = (id: string): DomainEvent => ({
  type: 'image',
  data: { id, status: 'processed', faces: 1, people: [] },
});
const photoIds = (events: PublishedEvent[]) => events.map((e) => e.type === 'image' && e.data.id);

describe('MysqlEventBus: events shared by processes on one MariaDB database (a polled table)', () => {
  const databases: Awaited<ReturnType<typeof createTestMysqlDatabase>>[] = [];
  const handles: MysqlHandle[] = [];
  const buses: MysqlEventBus[] = [];

  /** A bus on a pool of its own, as each process has. */
  const open = async (database = databases[0], retentionMs?: number) => {
    if (!database) throw new Error('no database');
    const handle = await openMysql({ url: database.url, poolSize: 2, migrate: false });
    handles.push(handle);
    const bus = await MysqlEventBus.open({
      db: handle.db,
      pollMs: POLL_MS,
      retentionMs,
      capacity: 100,
      clock: systemClock,
      log,
    });
    buses.push(bus);
    return { bus, db: handle.db };
  };

  beforeAll(async () => {
    databases.push(await createTestMysqlDatabase(), await createTestMysqlDatabase());
  });

  afterAll(async () => {
    for (const bus of buses) await bus.shutdown();
    for (const handle of handles) await handle.close();
    for (const database of databases) await database.drop();
  });

  it('an event published on one bus reaches the others once, in order, within a few polls', async () => {
    const [a, b, c] = [(await open()).bus, (await open()).bus, (await open()).bus];
    const seen = { a: [] as PublishedEvent[], b: [] as PublishedEvent[], c: [] as PublishedEvent[] };
    a.subscribe((e) => seen.a.push(e));
    b.subscribe((e) => seen.b.push(e));
    c.subscribe((e) => seen.c.push(e));
    const started = Date.now();
    for (let i = 0; i < 5; i++) a.publish(photo(`img${i}`));
    expect(photoIds(seen.a)).toEqual(['img0', 'img1', 'img2', 'img3', 'img4']);
    await until('b and c to hear all five', () => seen.b.length === 5 && seen.c.length === 5);
    const latencyMs = Date.now() - started;
    for (const got of [seen.b, seen.c])
      expect(photoIds(got)).toEqual(['img0', 'img1', 'img2', 'img3', 'img4']);
    expect(latencyMs).toBeLessThan(POLL_MS * 10);
    expect(seen.b.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    const replay = b.subscribe(() => {}, 3);
    expect(replay.replay.map((e) => e.id)).toEqual([4, 5]);
    replay.unsubscribe();
    await new Promise((r) => setTimeout(r, POLL_MS * 3));
    expect(seen.a).toHaveLength(5); // its own rows are not delivered twice
  });

  it('a bus on another database hears nothing', async () => {
    const here = (await open()).bus;
    const elsewhere = (await open(databases[1])).bus;
    const heard: PublishedEvent[] = [];
    elsewhere.subscribe((e) => heard.push(e));
    here.publish({ type: 'person', data: { id: 'p1', name: 'Ada', deleted: false } });
    await new Promise((r) => setTimeout(r, POLL_MS * 4));
    expect(heard).toEqual([]);
  });

  it('an event whose insert commits after a later one is still delivered', async () => {
    const { bus: sender, db } = await open();
    const listener = (await open()).bus;
    const heard: PublishedEvent[] = [];
    listener.subscribe((e) => heard.push(e));
    // A transaction takes an id and holds it uncommitted while the sender's next event commits.
    const late = db.transaction().execute(async (trx) => {
      await sql`insert into faceflow_events (origin, payload, created_at)
                values ('another-process', ${JSON.stringify(photo('late'))}, ${Date.now()})`.execute(trx);
      sender.publish(photo('early'));
      await new Promise((r) => setTimeout(r, POLL_MS * 5));
    });
    await late;
    await until('both events', () => heard.length === 2);
    expect(photoIds(heard).sort()).toEqual(['early', 'late']);
  });

  it('deletes rows older than the retention', async () => {
    const { bus, db } = await open(databases[0], 300);
    bus.publish(photo('old'));
    const oldRows = async () =>
      Number(
        (
          await sql<{
            n: number;
          }>`select count(*) as n from faceflow_events where payload like '%"old"%'`.execute(db)
        ).rows[0]?.n,
      );
    await new Promise((r) => setTimeout(r, 50));
    expect(await oldRows()).toBe(1);
    // the next prune comes at most retention / 2 after the last one
    const deadline = Date.now() + 5000;
    while ((await oldRows()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await oldRows()).toBe(0);
  });
});
