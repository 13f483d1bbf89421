import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedJobQueue } from '../adapters/queue-embedded/job-queue.embedded.ts';
import { openSqlite, type SqliteHandle } from '../adapters/sqlite/sqlite-database.ts';
import { systemClock } from '../ports/clock.ts';
import type { Availability } from '../ports/face-engine.ts';
import type { ReceivedJob } from '../ports/job-queue.ts';
import type { Logger } from '../ports/logger.ts';
import { type JobDisposition, QueueWorker } from './worker.ts';

/** A dependency (the recognizer behind its breaker) that a test takes down and brings back. */
class SwitchableDependency implements Availability {
  readonly name = 'recognizer';
  private up: boolean;
  private waiting: (() => void)[] = [];

  constructor(up: boolean) {
    this.up = up;
  }

  available(): boolean {
    return this.up;
  }

  whenAvailable(): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  set(up: boolean): void {
    this.up = up;
    if (!up) return;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

function recordingLogger(lines: string[]): Logger {
  const log: Logger = {
    debug: () => {},
    info: (_obj, msg) => lines.push(msg ?? ''),
    warn: (_obj, msg) => lines.push(msg ?? ''),
    error: (_obj, msg) => lines.push(msg ?? ''),
    child: () => log,
  };
  return log;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

const photoJob = (imageId: string) => ({ payload: { kind: 'process_image' as const, imageId } });
const imageOf = (job: ReceivedJob) => (job.payload.kind === 'process_image' ? job.payload.imageId : '');

describe('QueueWorker pauses while the recognizer is unavailable', () => {
  let dir: string;
  let handle: SqliteHandle;
  let queue: EmbeddedJobQueue;
  let lines: string[];
  let transitions: boolean[];
  let worker: QueueWorker | null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceflow-worker-pause-'));
    handle = await openSqlite(join(dir, 'db.sqlite'));
    queue = new EmbeddedJobQueue(handle.db, systemClock);
    lines = [];
    transitions = [];
    worker = null;
  });
  afterEach(async () => {
    await worker?.stop(100);
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(
    dependency: Availability,
    handle: (job: ReceivedJob) => Promise<JobDisposition>,
    concurrency = 2,
  ): QueueWorker {
    worker = new QueueWorker({
      queue,
      log: recordingLogger(lines),
      consumer: 'w',
      concurrency,
      leaseMs: 5000,
      pollMs: 10,
      dependency,
      onPausedChange: (paused) => transitions.push(paused),
      handler: { handle },
    });
    worker.start();
    return worker;
  }

  it('receives nothing while the recognizer is down, even when jobs are published, and resumes when it is back', async () => {
    await queue.publish([photoJob('a'), photoJob('b')]);
    const receive = vi.spyOn(queue, 'receive');
    // A broker that pulls ahead is told to stop and to keep what it holds (NATS); the embedded one needs nothing.
    const told: string[] = [];
    Object.assign(queue, { pause: () => told.push('pause'), resume: () => told.push('resume') });
    const recognizer = new SwitchableDependency(false);
    const handled: string[] = [];
    const running = startWorker(recognizer, async (job) => {
      handled.push(imageOf(job));
      return { kind: 'ack' };
    });

    await pause(200);
    await queue.publish([photoJob('c')]); // wakes the loop: it must still take nothing
    await pause(200);
    expect(receive).not.toHaveBeenCalled();
    expect(handled).toEqual([]);
    expect(running.paused).toBe(true);
    expect(await queue.depth()).toEqual({ ready: 3, inFlight: 0, delayed: 0 });

    recognizer.set(true);
    await waitFor('the three jobs handled', () => handled.length === 3);
    expect(handled.sort()).toEqual(['a', 'b', 'c']);
    expect(running.paused).toBe(false);
    // One log line and one gauge change per transition, not one per job or per wake-up.
    expect(transitions).toEqual([true, false]);
    expect(told).toEqual(['pause', 'resume']);
    expect(lines.filter((l) => l === 'paused: recognizer unavailable')).toHaveLength(1);
    expect(lines.filter((l) => l === 'resumed: recognizer available')).toHaveLength(1);
  });

  it('pauses and resumes once per outage over several outages', async () => {
    const recognizer = new SwitchableDependency(true);
    const handled: string[] = [];
    const running = startWorker(recognizer, async (job) => {
      handled.push(imageOf(job));
      return { kind: 'ack' };
    });
    for (const round of [1, 2]) {
      recognizer.set(false);
      await waitFor('the pause', () => running.paused);
      await queue.publish([photoJob(`r${round}`)]);
      await pause(100);
      expect(handled).toHaveLength(round - 1);
      recognizer.set(true);
      await waitFor('the job of this round', () => handled.length === round);
    }
    expect(transitions).toEqual([true, false, true, false]);
  });

  it('returns the jobs in hand when the recognizer goes down with a delay, and takes no further job', async () => {
    await queue.publish([photoJob('a'), photoJob('b'), photoJob('c'), photoJob('d')]);
    const recognizer = new SwitchableDependency(true);
    let firstCalls = 0;
    const handled: string[] = [];
    const receive = vi.spyOn(queue, 'receive');
    const running = startWorker(recognizer, async (job) => {
      if (!recognizer.available() || firstCalls < 2) {
        // The two jobs in hand when the breaker opens: the engine fails fast, the photo is postponed.
        firstCalls++;
        if (firstCalls === 2) recognizer.set(false);
        else await waitFor('the other job in hand', () => firstCalls === 2);
        return { kind: 'postpone', delayMs: 60_000 };
      }
      handled.push(imageOf(job));
      return { kind: 'ack' };
    });

    await waitFor('the pause', () => running.paused && running.busy === 0);
    const receivedWhenPaused = receive.mock.calls.length;
    await pause(200);
    expect(receive.mock.calls.length).toBe(receivedWhenPaused);
    expect(firstCalls).toBe(2);
    expect(handled).toEqual([]);
    // The two postponed jobs went back with their delay; the other two were never received.
    expect(await queue.depth()).toEqual({ ready: 2, inFlight: 0, delayed: 2 });

    recognizer.set(true);
    await waitFor('the two waiting jobs handled', () => handled.length === 2);
    expect(await queue.depth()).toEqual({ ready: 0, inFlight: 0, delayed: 2 });
    expect(transitions).toEqual([true, false]);
  });

  it('stops promptly while paused', async () => {
    const running = startWorker(new SwitchableDependency(false), async () => ({ kind: 'ack' }));
    await waitFor('the pause', () => running.paused);
    const started = Date.now();
    await running.stop(100);
    worker = null;
    expect(Date.now() - started).toBeLessThan(500);
  });
});
