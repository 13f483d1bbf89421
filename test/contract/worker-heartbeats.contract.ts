import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeartbeatWriter, livenessOf } from '../../src/app/worker-heartbeat.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { WorkerHeartbeat, WorkerHeartbeatStore } from '../../src/ports/worker-heartbeats.ts';

export interface HeartbeatFixture {
  store: WorkerHeartbeatStore;
  /** A second store on the same database through its own connection, as another process has. */
  another: WorkerHeartbeatStore;
  close(): Promise<void>;
}

function beat(id: string, fields: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat {
  return {
    id,
    host: 'node-a',
    pid: 4242,
    role: 'worker',
    engineThreads: 2,
    threadsBusy: 1,
    jobsInHand: 3,
    concurrency: 4,
    breakerState: null,
    startedAt: 1_700_000_000_000,
    lastSeen: 1_700_000_005_000,
    intervalMs: 5000,
    ...fields,
  };
}

/** The WorkerHeartbeatStore contract: SQLite and PostgreSQL run it. */
export function workerHeartbeatsContract(name: string, open: () => Promise<HeartbeatFixture>): void {
  describe(`${name}: worker heartbeats`, () => {
    let f: HeartbeatFixture;
    beforeEach(async () => {
      f = await open();
    });
    afterEach(async () => {
      await f.close();
    });

    it('stores one row per worker, replaced by its next beat, seen by another connection', async () => {
      await f.store.beat(beat('w1'));
      await f.store.beat(beat('w2', { host: 'node-b', startedAt: 1_700_000_001_000, breakerState: 'open' }));
      await f.store.beat(beat('w1', { threadsBusy: 2, jobsInHand: 4, lastSeen: 1_700_000_010_000 }));
      const rows = await f.another.list();
      expect(rows).toEqual([
        beat('w1', { threadsBusy: 2, jobsInHand: 4, lastSeen: 1_700_000_010_000 }),
        beat('w2', { host: 'node-b', startedAt: 1_700_000_001_000, breakerState: 'open' }),
      ]);
    });

    it('keeps millisecond timestamps past 2^31 exact (bigint columns come back as numbers)', async () => {
      const far = 4_102_444_800_123;
      await f.store.beat(beat('w1', { startedAt: far, lastSeen: far + 1 }));
      const [row] = await f.store.list();
      expect(row?.startedAt).toBe(far);
      expect(row?.lastSeen).toBe(far + 1);
    });

    it('removes a row, and prunes the rows last seen before a time', async () => {
      await f.store.beat(beat('old', { lastSeen: 1000 }));
      await f.store.beat(beat('new', { lastSeen: 9000 }));
      await f.store.beat(beat('leaving', { lastSeen: 9000 }));
      await f.another.remove('leaving');
      expect(await f.store.prune(5000)).toBe(1);
      expect((await f.store.list()).map((r) => r.id)).toEqual(['new']);
    });

    it('a writer beats at start, shows as gone after 3 missed beats, and removes its row at stop', async () => {
      let now = 1_700_000_000_000;
      let busy = 0;
      const writer = new HeartbeatWriter({
        store: f.store,
        clock: { now: () => now },
        log: silentLogger,
        identity: { id: 'worker-x', host: 'node-c', pid: 7, role: 'all' },
        intervalMs: 60_000,
        sample: () => ({
          engineThreads: 1,
          threadsBusy: busy,
          jobsInHand: busy,
          concurrency: 2,
          breakerState: 'half_open',
        }),
      });
      await writer.start();
      const [first] = await f.another.list();
      expect(first).toMatchObject({
        id: 'worker-x',
        host: 'node-c',
        role: 'all',
        threadsBusy: 0,
        breakerState: 'half_open',
      });
      busy = 2;
      now += 60_000;
      await writer.beat();
      const [second] = await f.another.list();
      expect(second).toMatchObject({
        threadsBusy: 2,
        jobsInHand: 2,
        startedAt: first?.startedAt,
        lastSeen: now,
      });
      expect(livenessOf(second as WorkerHeartbeat, now + 3 * 60_000)).toBe('alive');
      expect(livenessOf(second as WorkerHeartbeat, now + 3 * 60_000 + 1)).toBe('gone');
      await writer.stop();
      expect(await f.another.list()).toEqual([]);
    });
  });
}
