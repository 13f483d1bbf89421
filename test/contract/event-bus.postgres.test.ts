import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventBus } from '../../src/adapters/postgres/event-bus.postgres.ts';
import { openPostgres, type PostgresHandle } from '../../src/adapters/postgres/postgres-database.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { systemClock } from '../../src/ports/clock.ts';
import type { PublishedEvent } from '../../src/ports/event-bus.ts';
import { createTestSchema, POSTGRES_URL } from '../helpers/servers.ts';

const log = createLogger('silent', 'test');

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PostgresEventBus: events shared by processes on one database (LISTEN/NOTIFY)', () => {
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let handle: PostgresHandle;
  const buses: PostgresEventBus[] = [];
  const open = async (channelSchema = schema.schema) => {
    const bus = await PostgresEventBus.open({
      connect: handle.connect,
      channel: `faceflow_events_${channelSchema}`,
      capacity: 100,
      clock: systemClock,
      log,
    });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    schema = await createTestSchema();
    handle = await openPostgres({ url: schema.url, migrate: false });
  });

  afterAll(async () => {
    for (const bus of buses) await bus.shutdown();
    await handle?.close();
    await schema?.drop();
  });

  it('an event published on one bus reaches the others once, and its own subscribers at once', async () => {
    const [a, b, c] = [await open(), await open(), await open()];
    const seen = { a: [] as PublishedEvent[], b: [] as PublishedEvent[], c: [] as PublishedEvent[] };
    a.subscribe((e) => seen.a.push(e));
    b.subscribe((e) => seen.b.push(e));
    c.subscribe((e) => seen.c.push(e));
    for (let i = 0; i < 5; i++)
      a.publish({ type: 'image', data: { id: `img${i}`, status: 'processed', faces: 1, people: [] } });
    expect(seen.a.map((e) => e.type === 'image' && e.data.id)).toEqual([
      'img0',
      'img1',
      'img2',
      'img3',
      'img4',
    ]);
    await until('b and c to hear all five', () => seen.b.length === 5 && seen.c.length === 5);
    for (const got of [seen.b, seen.c])
      expect(got.map((e) => e.type === 'image' && e.data.id)).toEqual([
        'img0',
        'img1',
        'img2',
        'img3',
        'img4',
      ]);
    // Each bus numbers what it holds itself (SSE Last-Event-ID is per process) and can replay it.
    expect(seen.b.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    const replay = b.subscribe(() => {}, 3);
    expect(replay.replay.map((e) => e.id)).toEqual([4, 5]);
    replay.unsubscribe();
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.a).toHaveLength(5); // its own notifications are not delivered twice
  });

  it('a bus on another schema hears nothing', async () => {
    const here = await open();
    const elsewhere = await open(`${schema.schema}_other`);
    const heard: PublishedEvent[] = [];
    elsewhere.subscribe((e) => heard.push(e));
    here.publish({ type: 'person', data: { id: 'p1', name: 'Ada', deleted: false } });
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).toEqual([]);
  });

  it('listens again after its connection is killed', async () => {
    const sender = await open();
    const listener = await open();
    const heard: PublishedEvent[] = [];
    listener.subscribe((e) => heard.push(e));
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where query = $1 and pid <> pg_backend_pid() and application_name = 'faceflow'`,
        [`LISTEN faceflow_events_${schema.schema}`],
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // Publish until the reconnected listeners hear it (events sent while they were away are lost).
    await until(
      'an event after reconnecting',
      () => {
        if (heard.length === 0)
          sender.publish({ type: 'person', data: { id: 'p2', name: 'Grace', deleted: false } });
        return heard.length > 0;
      },
      15_000,
    );
    expect(heard[0]?.type).toBe('person');
  });
});
