import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openInfrastructure } from '../../src/roles/wiring/infrastructure.ts';
import { newImageRow } from '../helpers/image-rows.ts';

const REPO = resolve(import.meta.dirname, '../..');
const PHOTOS = 40;

function startWorkerProcess(env: Record<string, string>): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<unknown>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/counting-worker.ts'], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  const ready = new Promise<void>((done, fail) => {
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('worker ready')) done();
    });
    exited.then((code) => fail(new Error(`worker exited (${code}): ${out}`)));
  });
  return { child, ready, exited };
}

describe('concurrency: two worker processes on one database file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-two-workers-'));
  const workers: ReturnType<typeof startWorkerProcess>[] = [];

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it('never process the same photo twice, even with a delay between claim and commit', async () => {
    const dataDir = join(dir, 'data');
    const config = { DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'faceflow.db')}` };
    const infra = await openInfrastructure(config);
    const ids: string[] = [];
    for (let i = 0; i < PHOTOS; i++) {
      const bytes = new TextEncoder().encode(`photo number ${i}`);
      const { sha256, size } = await infra.blobs.put(bytes);
      const { image } = await infra.stores.images.createImage(newImageRow(i, { sha256, size }), Date.now());
      ids.push(image.id);
    }
    const countFile = join(dir, 'analyses.log');
    const env = {
      ...config,
      COUNT_FILE: countFile,
      ENGINE_DELAY_MS: '150',
      WORKER_CONCURRENCY: '4',
      JOB_LEASE_MS: '30000',
      METRICS_PORT: '0',
    };
    workers.push(startWorkerProcess(env), startWorkerProcess(env));
    await Promise.all(workers.map((w) => w.ready));

    const deadline = Date.now() + 60_000;
    let counts = await infra.stores.images.countByStatus();
    while (counts.processed < PHOTOS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      counts = await infra.stores.images.countByStatus();
    }
    expect(counts).toEqual({ pending: 0, processing: 0, processed: PHOTOS, failed: 0 });
    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);

    const lines = readFileSync(countFile, 'utf8').trim().split('\n');
    const perPhoto = new Map<string, number>();
    const perWorker = new Map<string, number>();
    for (const line of lines) {
      const [pid, sha] = line.split(' ') as [string, string];
      perPhoto.set(sha, (perPhoto.get(sha) ?? 0) + 1);
      perWorker.set(pid, (perWorker.get(pid) ?? 0) + 1);
    }
    expect(perPhoto.size).toBe(PHOTOS);
    expect([...perPhoto.values()].every((n) => n === 1)).toBe(true);
    // both processes really took part
    expect(perWorker.size).toBe(2);
    for (const n of perWorker.values()) expect(n).toBeGreaterThan(0);
    for (const id of ids) {
      const image = await infra.stores.images.getImage(id);
      expect(image?.attempts).toBe(1);
      expect(image?.faces).toHaveLength(2);
    }
    await infra.close();
  });
});
