import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EMBEDDING_DIMENSIONS } from '../../src/engine/model-info.ts';
import { type ApiClient, type ImageJson, type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, startChildServer } from '../helpers/child-server.ts';
import {
  freePort,
  metricSample,
  startRecognizerProcess,
  startWorkerProcess,
  until,
} from '../helpers/cluster.ts';
import { orl } from '../helpers/faces.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const SECRET = 'a-test-secret-of-some-length';

describeWithFaces('worker → recognizer over Connect, behind a circuit breaker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-recognizer-'));
  let port: number;
  let recognizer: ChildServer;
  let api: ChildServer;
  let worker: ChildServer;
  let client: ApiClient;

  const startRecognizer = () => startRecognizerProcess(port, { RECOGNIZER_SECRET: SECRET });
  const breakerGauge = (state: string) =>
    metricSample(worker.url, `faceflow_recognizer_breaker_state{state="${state}"}`);
  const images = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await client.json<ImageJson>('GET', `/api/images/${id}`)).body));
  const upload = async (subject: number) => {
    const files = [1, 2, 3].map((k) => ({ name: `s${subject}-${k}.pgm`, bytes: orl(subject, k) }));
    const res = await client.upload<IngestJson>('/api/images', files);
    expect(res.status).toBe(201);
    return res.body.images.map((i) => i.id);
  };

  beforeAll(async () => {
    port = await freePort();
    recognizer = await startRecognizer();
    const remote = { DATA_DIR: dir, RECOGNIZER_URL: recognizer.url, RECOGNIZER_SECRET: SECRET };
    api = await startChildServer({ ...remote, PORT: '0' }, ['api']);
    worker = await startWorkerProcess({
      ...remote,
      WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
      RECOGNIZER_TIMEOUT_MS: '10000',
      RECOGNIZER_BREAKER_OPEN_MS: '2000',
    });
    client = await signInAsAdmin(api.url, { DATA_DIR: dir });
  });

  afterAll(async () => {
    for (const p of [api, worker, recognizer]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([api?.exited, worker?.exited, recognizer?.exited]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers Connect JSON on the gRPC port, only with the shared secret', async () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${recognizer.url}/faceflow.v1.Recognizer/GetModel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });
    const refused = await call({});
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('unauthenticated');
    const answer = await call({ authorization: `Bearer ${SECRET}` });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { model: { name: string; dimensions: number } };
    expect(body.model.dimensions).toBe(EMBEDDING_DIMENSIONS);
    const health = await fetch(`${recognizer.url}/grpc.health.v1.Health/Check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(await health.json()).toEqual({ status: 'SERVING' });
  });

  it('processes real photos through the recognizer', async () => {
    const ids = await upload(2);
    const done = await until(
      'the first photos processed',
      async () => {
        const all = await images(ids);
        return all.every((i) => i.status === 'processed') ? all : null;
      },
      60_000,
    );
    for (const image of done) expect(image.faces).toHaveLength(1);
    expect(await breakerGauge('closed')).toBe(1);
  });

  it('with the recognizer stopped the breaker opens and no photo fails; after a restart all complete', async () => {
    recognizer.child.kill('SIGTERM');
    expect(await recognizer.exited).toBe(0);
    const ids = await upload(3);
    await until(
      'the breaker to open',
      async () => ((await breakerGauge('open')) === 1 ? true : null),
      30_000,
    );
    for (const image of await images(ids)) {
      expect(image.status).not.toBe('failed');
      expect(image.status).not.toBe('processed');
    }
    // Some time with the breaker cycling open → half-open → open: still nothing fails, no attempt is spent.
    await new Promise((r) => setTimeout(r, 5000));
    for (const image of await images(ids)) {
      expect(image.status).toBe('pending');
      expect(image.attempts).toBe(0);
    }

    recognizer = await startRecognizer();
    const done = await until(
      'the postponed photos processed',
      async () => {
        const all = await images(ids);
        return all.every((i) => i.status === 'processed') ? all : null;
      },
      60_000,
    );
    for (const image of done) {
      expect(image.faces).toHaveLength(1);
      expect(image.lastError).toBeNull();
    }
    expect(await breakerGauge('closed')).toBe(1);
    const output = worker.output();
    expect(output).toMatch(/recognizer circuit breaker opened/);
    expect(output).toMatch(/recognizer circuit breaker closed/);
  });
});
