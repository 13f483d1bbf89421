import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarZipArchiveReader } from '../../src/adapters/archives-tar-zip/archive-reader.tar-zip.ts';
import { MemoryEventBus } from '../../src/adapters/events-memory/event-bus.memory.ts';
import { computeChunkPartial, processAverageChunk } from '../../src/app/average/average-chunk.ts';
import {
  type AverageCoordinatorDeps,
  createAverageJob,
  prepareAverageJob,
  waitForAverageJob,
} from '../../src/app/average/average-coordinator.ts';
import { loadWorkerConfig } from '../../src/config/roles.config.ts';
import type { AverageJobStore } from '../../src/ports/average-job-store.ts';
import type { JobQueue } from '../../src/ports/job-queue.ts';
import { openInfrastructure } from '../../src/roles/wiring/infrastructure.ts';
import { openAverageStore } from '../../src/roles/wiring/stores.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

/**
 * A worker process can die between any two steps of a chunk: after storing the last chunk but before
 * finishing the job, or after marking the next chunk queued but before publishing it. Either way the
 * job must still finish, with every photo counted once.
 */
describe('faceflow average: a worker that dies between two steps of a chunk', () => {
  let dir: string;
  let dataset: string;
  let deps: AverageCoordinatorDeps;
  let averages: AverageJobStore;
  let queue: JobQueue;
  let closeAll: () => Promise<void>;
  // Each photo's single face points along one axis: the average is known exactly.
  const engine = new ScriptedEngine((bytes) => [faceAlong((bytes[bytes.length - 1] as number) % 4)]);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avg-recovery-'));
    dataset = path.join(dir, 'photos');
    await mkdir(dataset);
    for (let i = 0; i < 6; i++) {
      const png = await sharp({
        create: { width: 8, height: 8, channels: 3, background: { r: i * 40, g: 0, b: 0 } },
      })
        .png()
        .toBuffer();
      // A trailing byte after IEND picks the photo's axis (PNG readers ignore it).
      await writeFile(path.join(dataset, `${i}.png`), Buffer.concat([png, Buffer.from([i])]));
    }
    const config = loadWorkerConfig({ DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'silent' });
    const infra = await openInfrastructure(config);
    const store = await openAverageStore(config);
    averages = store.averages as AverageJobStore;
    queue = infra.queue;
    deps = {
      averages,
      blobs: infra.blobs,
      queue,
      events: new MemoryEventBus(100, infra.clock),
      clock: infra.clock,
      log: pino({ level: 'silent' }),
      maxEntryBytes: 1024 * 1024,
      datasetRoots: null,
      archives: new TarZipArchiveReader(),
    };
    closeAll = async () => {
      await store.close();
      await infra.close();
    };
  });

  afterAll(async () => {
    await closeAll?.();
    await rm(dir, { recursive: true, force: true });
  });

  const workerDeps = () => ({ ...deps, engine });
  const newJob = async (window?: number) => {
    const job = await createAverageJob(
      deps,
      { path: dataset, label: 'six' },
      { face: 'largest', minScore: 0, chunkSize: 2, ...(window ? { window } : {}) },
    );
    expect((await prepareAverageJob(deps, job.id)).state).toBe('running');
    return job.id;
  };
  /** What a worker that dies right after storing a chunk leaves behind: the partial, nothing more. */
  const storeOnly = async (jobId: string, index: number) => {
    const job = await averages.getJob(jobId);
    const chunk = await averages.getChunk(jobId, index);
    if (!job || !chunk) throw new Error('missing job or chunk');
    const partial = await computeChunkPartial(workerDeps(), job, chunk.entries);
    expect(await averages.completeChunk(jobId, index, partial, Date.now())).toBe(true);
  };
  /** Takes every queued message off the queue (acknowledged), as if a worker had consumed them. */
  const drainQueue = async () => {
    for (;;) {
      const jobs = await queue.receive('test', 100, 60_000);
      if (jobs.length === 0) return;
      for (const job of jobs) await queue.ack(job.id, 'test');
    }
  };
  /** A worker: processes the average chunks on the queue until `done()` says stop. */
  const runWorker = async (done: () => boolean) => {
    while (!done()) {
      const jobs = await queue.receive('test', 1, 60_000);
      for (const job of jobs) {
        const payload = job.payload as { kind: string; jobId: string; chunk: number };
        if (payload.kind === 'average_chunk')
          await processAverageChunk(workerDeps(), payload.jobId, payload.chunk);
        await queue.ack(job.id, 'test');
      }
      if (jobs.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('a redelivered last chunk finishes the job its first run stored but did not finish', async () => {
    const id = await newJob();
    await drainQueue();
    for (const index of [0, 1, 2]) await storeOnly(id, index);
    expect((await averages.getJob(id))?.state).toBe('running');
    await processAverageChunk(workerDeps(), id, 2);
    const job = await averages.getJob(id);
    expect(job?.state).toBe('done');
    expect(job?.result?.counts.photos).toBe(6);
    expect(job?.result?.counts.faces).toBe(6);
  });

  it('the coordinator finishes a job whose chunks are all stored', async () => {
    const id = await newJob();
    await drainQueue();
    for (const index of [0, 1, 2]) await storeOnly(id, index);
    const job = await waitForAverageJob(deps, id, () => {}, 20, 200);
    expect(job.state).toBe('done');
    expect(job.result?.counts.faces).toBe(6);
  });

  it('the coordinator publishes again a chunk marked queued whose message was never sent', async () => {
    // Window 1: one chunk on the queue at a time, so the lost one blocks everything after it.
    const id = await newJob(1);
    await drainQueue();
    await storeOnly(id, 0);
    // The dying worker marked chunk 1 queued and died before publishing it.
    expect(await averages.queueChunks(id, 1, Date.now())).toEqual([1]);
    let over = false;
    const worker = runWorker(() => over);
    try {
      const job = await waitForAverageJob(deps, id, () => {}, 20, 200);
      expect(job.state).toBe('done');
      expect(job.result?.counts.photos).toBe(6);
      expect(job.result?.counts.faces).toBe(6);
    } finally {
      over = true;
      await worker;
    }
  });
});
