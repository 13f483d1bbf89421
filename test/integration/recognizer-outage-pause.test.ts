import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningRecognizer } from '../../src/roles/recognizer.ts';
import { type ApiClient, type ImageJson, type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, startChildServer } from '../helpers/child-server.ts';
import { metricSample, startWorkerProcess, until } from '../helpers/cluster.ts';
import { orl } from '../helpers/faces.ts';
import { startScriptedRecognizer } from '../helpers/scripted-recognizer.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const SECRET = 'an-outage-pause-test-secret';
const OPEN_MS = 300;
const OUTAGE_MS = 6000;

/**
 * Before the worker paused, each waiting photo was claimed, released and re-published once per
 * breaker period during an outage (6 photos × 6 s / 300 ms ≈ 120 re-publishes here). Now the worker
 * stops receiving once the breaker opens and only the health probe reaches for the recognizer.
 */
describeWithFaces('a worker takes no jobs while the recognizer is down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-outage-pause-'));
  let port = 0;
  let recognizer: RunningRecognizer | null = null;
  let api: ChildServer;
  let worker: ChildServer;
  let client: ApiClient;

  // The recognizer runs in this process on a scripted engine: the test is about the worker's loop.
  const serve = async () => {
    ({ server: recognizer, port } = await startScriptedRecognizer(port, SECRET));
  };
  const metric = async (sample: string) => (await metricSample(worker.url, sample)) ?? Number.NaN;
  const postponed = () => metric('faceflow_jobs_postponed_total');
  const images = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await client.json<ImageJson>('GET', `/api/images/${id}`)).body));

  beforeAll(async () => {
    await serve();
    const remote = {
      DATA_DIR: dir,
      RECOGNIZER_URL: `http://127.0.0.1:${port}`,
      RECOGNIZER_SECRET: SECRET,
    };
    api = await startChildServer({ ...remote, PORT: '0' }, ['api']);
    worker = await startWorkerProcess({
      ...remote,
      WORKER_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
      RECOGNIZER_TIMEOUT_MS: '2000',
      RECOGNIZER_BREAKER_OPEN_MS: String(OPEN_MS),
    });
    client = await signInAsAdmin(api.url, { DATA_DIR: dir });
  });

  afterAll(async () => {
    for (const p of [api, worker]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([api?.exited, worker?.exited]);
    await recognizer?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses once when the breaker opens, re-publishes nothing during the outage, and resumes when the recognizer is back', async () => {
    expect(await metric('faceflow_worker_paused')).toBe(0);
    await recognizer?.close();
    recognizer = null;
    const files = [1, 2, 3, 4, 5, 6].map((k) => ({ name: `s4-${k}.pgm`, bytes: orl(4, k) }));
    const res = await client.upload<IngestJson>('/api/images', files);
    expect(res.status).toBe(201);
    const ids = res.body.images.map((i) => i.id);

    await until(
      'the worker to pause',
      async () => ((await metric('faceflow_worker_paused')) === 1 ? true : null),
      30_000,
    );
    // The photos in hand when the breaker opened go back to the queue (concurrency 2), none after.
    await until(
      'the photos in hand returned',
      async () => ((await images(ids)).every((i) => i.status === 'pending') ? true : null),
      30_000,
    );
    const atPause = await postponed();
    expect(atPause).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(await postponed()).toBe(atPause);
    expect(await metric('faceflow_jobs_retried_total{code="unavailable"}')).toBeNaN();
    expect(await metric('faceflow_worker_paused')).toBe(1);
    for (const image of await images(ids)) {
      expect(image.status).toBe('pending');
      expect(image.attempts).toBe(0);
    }

    await serve();
    const done = await until(
      'every photo processed',
      async () => {
        const all = await images(ids);
        return all.every((i) => i.status === 'processed') ? all : null;
      },
      60_000,
    );
    for (const image of done) expect(image.faces).toHaveLength(1);
    expect(await metric('faceflow_worker_paused')).toBe(0);
    expect(await postponed()).toBe(atPause);
    const output = worker.output();
    expect(output.match(/paused: recognizer unavailable/g)).toHaveLength(1);
    expect(output.match(/resumed: recognizer available/g)).toHaveLength(1);
  });
});
