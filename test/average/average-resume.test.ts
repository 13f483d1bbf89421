import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { averageResultDocument } from '../../src/app/average/average-document.ts';
import { loadWorkerConfig } from '../../src/config/roles.config.ts';
import type { AverageJobStore } from '../../src/ports/average-job-store.ts';
import { runAverage } from '../../src/roles/average.ts';
import { openAverageStore } from '../../src/roles/wiring/stores.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { type CliProcess, jobIdFrom, spawnCli, waitUntil } from './cli-process.ts';
import { comparable, lfwSubset, writeList } from './lfw-subset.ts';

const PHOTOS = 40;
const CHUNK = '4';

describeWithFaces('faceflow average: killed mid-job, resumed, bit-for-bit the same result', () => {
  let dir: string;
  let list: string;
  let uninterrupted: Record<string, unknown>;
  const started: CliProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avg-resume-'));
    list = await writeList(path.join(dir, 'photos.txt'), lfwSubset(PHOTOS, 11));
    const job = await runAverage(
      loadWorkerConfig({ DATA_DIR: path.join(dir, 'reference'), LOG_LEVEL: 'silent' }),
      {
        dataset: { path: list, label: 'subset', options: { face: 'largest', minScore: 0, chunkSize: 4 } },
        workers: 1,
        maxEntryBytes: 20 * 1024 * 1024,
      },
    );
    uninterrupted = averageResultDocument(job);
  });

  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const env = (name: string) => ({ DATA_DIR: path.join(dir, name), JOB_LEASE_MS: '1500' });
  const spawn = (args: string[], name: string) => {
    const p = spawnCli(args, env(name));
    started.push(p);
    // When a test fails (a hang included), what each process said is the first thing to read.
    onTestFailed(() => {
      console.error(
        `--- faceflow ${args.join(' ')} (stderr, last 4000 characters)\n${p.stderr().slice(-4000)}`,
      );
    });
    return p;
  };

  const store = async (name: string) =>
    openAverageStore({ DATABASE_URL: `sqlite:${path.join(dir, name, 'faceflow.db')}` });

  async function chunksDone(averages: AverageJobStore, id: string) {
    return (await averages.getJob(id))?.chunksDone ?? 0;
  }

  it('kill -9 a worker process mid-job: another worker finishes it', async () => {
    const coordinator = spawn(
      ['average', list, '--workers', '0', '--chunk-size', CHUNK, '--json'],
      'worker-kill',
    );
    await waitUntil(() => jobIdFrom(coordinator.stderr()) !== null, 'the job id');
    const id = jobIdFrom(coordinator.stderr()) as string;
    const worker = spawn(['worker'], 'worker-kill');
    const handle = await store('worker-kill');
    const averages = handle.averages as AverageJobStore;
    await waitUntil(async () => (await chunksDone(averages, id)) >= 2, 'two chunks done', 90_000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    const before = await averages.getJob(id);
    expect(before?.state).toBe('running');
    expect(before?.chunksDone).toBeLessThan(before?.totalChunks ?? 0);
    spawn(['worker'], 'worker-kill');
    expect(await coordinator.exited).toBe(0);
    const resumed = JSON.parse(coordinator.stdout());
    expect(comparable(resumed)).toEqual(comparable(uninterrupted));
    expect(resumed.counts.photos).toBe(PHOTOS);
    await handle.close();
  });

  it('kill -9 the coordinator mid-job: --resume finishes it', async () => {
    const coordinator = spawn(
      ['average', list, '--workers', '1', '--chunk-size', CHUNK, '--json'],
      'coord-kill',
    );
    await waitUntil(() => jobIdFrom(coordinator.stderr()) !== null, 'the job id');
    const id = jobIdFrom(coordinator.stderr()) as string;
    const handle = await store('coord-kill');
    const averages = handle.averages as AverageJobStore;
    await waitUntil(async () => (await chunksDone(averages, id)) >= 2, 'two chunks done', 90_000);
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
    const before = await averages.getJob(id);
    expect(['preparing', 'running']).toContain(before?.state);
    expect(before?.result).toBeNull();
    const resume = spawn(['average', '--resume', id, '--workers', '1', '--json'], 'coord-kill');
    expect(await resume.exited).toBe(0);
    const resumed = JSON.parse(resume.stdout());
    expect(resumed.jobId).toBe(id);
    expect(comparable(resumed)).toEqual(comparable(uninterrupted));
    await handle.close();
  });
});
