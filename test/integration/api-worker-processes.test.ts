import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type ImageJson, type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { RABBITMQ } from '../helpers/broker-admin.ts';
import { type ChildServer, startChildServer } from '../helpers/child-server.ts';
import { WORKER_READY } from '../helpers/cluster.ts';
import { orl } from '../helpers/faces.ts';
import { createTestSchema, RABBITMQ_URL, uniqueName } from '../helpers/servers.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

interface ImageEventData {
  id: string;
  status: string;
  faces: number;
}

describeWithFaces('api and worker as separate processes on PostgreSQL + RabbitMQ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-api-worker-'));
  const queueName = uniqueName('ff_apiworker');
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let api: ChildServer;
  let worker: ChildServer;
  let sse: SseClient;
  let client: ApiClient;

  beforeAll(async () => {
    schema = await createTestSchema();
    const env = {
      DATABASE_URL: schema.url,
      QUEUE_URL: RABBITMQ_URL,
      QUEUE_NAME: queueName,
      DATA_DIR: dir,
      ENGINE_THREADS: '1',
    };
    // The api migrates the schema first; the worker then finds it up to date.
    api = await startChildServer({ ...env, PORT: '0' }, ['api']);
    worker = await startChildServer(
      { ...env, METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', WORKER_CONCURRENCY: '2' },
      ['worker'],
      90_000,
      WORKER_READY,
    );
    client = await signInAsAdmin(api.url, env);
    sse = await SseClient.connect(`${api.url}/api/events`, undefined, client.authHeaders());
  });

  afterAll(async () => {
    await sse?.close();
    for (const p of [api, worker]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([api?.exited, worker?.exited]);
    await schema?.drop();
    await (await RABBITMQ.admin(queueName)).close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an api process's SSE stream shows photos processed by a worker process", async () => {
    const files = [1, 2, 3, 4].map((k) => ({ name: `s1-${k}.pgm`, bytes: orl(1, k) }));
    const res = await client.upload<IngestJson>('/api/images', files);
    expect(res.status).toBe(201);
    expect(res.body.rejected).toEqual([]);
    const ids = res.body.images.map((i) => i.id);
    expect(ids).toHaveLength(4);

    const imageEvents = (id: string) =>
      sse.events
        .filter((e) => e.event === 'image')
        .map((e) => e.data as ImageEventData)
        .filter((d) => d.id === id);
    await sse.waitFor(() => ids.every((id) => imageEvents(id).some((e) => e.status === 'processed')), 80_000);
    for (const id of ids) {
      // pending comes from the api itself; processing and processed only from the worker process.
      expect(imageEvents(id).map((e) => e.status)).toEqual(['pending', 'processing', 'processed']);
      expect(imageEvents(id).at(-1)?.faces).toBe(1);
      const detail = await client.json<ImageJson>('GET', `/api/images/${id}`);
      expect(detail.body.status).toBe('processed');
      expect(detail.body.faces).toHaveLength(1);
    }

    const ready = await fetch(`${worker.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/^faceflow_jobs_processed_total 4$/m);
    // One engine thread that has analysed ORL portraits: its tfjs WASM heap is reported (megabytes; tens of
    // them on the WASM runtime, less on ONNX Runtime, where tfjs holds only the fallback detector).
    expect(metrics).toMatch(/^faceflow_engine_runtime\{runtime="onnx"\} 1$/m);
    const heap = Number(/^faceflow_engine_wasm_heap_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(heap).toBeGreaterThan(1024 * 1024);
    expect(heap).toBeLessThan(256 * 1024 * 1024);
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
  });

  it('both stop cleanly on SIGTERM', async () => {
    worker.child.kill('SIGTERM');
    api.child.kill('SIGTERM');
    expect(await Promise.all([worker.exited, api.exited])).toEqual([0, 0]);
  });
});
