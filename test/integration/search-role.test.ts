import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type ImageJson, type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, startChildServer } from '../helpers/child-server.ts';
import {
  freePort,
  metricSample,
  SEARCH_READY,
  startSearchProcess,
  startWorkerProcess,
  until,
} from '../helpers/cluster.ts';
import { orl } from '../helpers/faces.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const SECRET = 'a-search-secret-of-some-length';

interface IdentifyJson {
  faces: { match: { id: string; name: string } | null }[];
}

/**
 * api and worker processes on PostgreSQL look faces up through `faceflow search` (SEARCH_URL); killed,
 * the search role's breaker opens and both go on identifying from a local exact scan of the store.
 */
describeWithFaces('the search role holds the gallery for api and worker processes (PostgreSQL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-search-role-'));
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let search: ChildServer;
  let api: ChildServer;
  let worker: ChildServer;
  let client: ApiClient;
  let apiMetrics: string;
  let searchMetrics: string;
  const people: Record<string, string> = {};

  const identify = async (subject: number, k: number) => {
    const res = await client.upload<IdentifyJson>('/api/identify', [
      { name: `s${subject}-${k}.pgm`, bytes: orl(subject, k) },
    ]);
    expect(res.status).toBe(200);
    return res.body.faces.map((f) => f.match?.name ?? null);
  };
  const processed = async (subject: number, k: number) => {
    const res = await client.upload<IngestJson>('/api/images', [
      { name: `s${subject}-${k}.pgm`, bytes: orl(subject, k) },
    ]);
    expect(res.status).toBe(201);
    const id = res.body.images[0]?.id as string;
    const image = await client.waitFor<ImageJson>(
      `/api/images/${id}`,
      (img) => img.status === 'processed',
      90_000,
    );
    return image.faces.map((f) => f.person?.id ?? null);
  };
  const enrol = async (name: string, subject: number) => {
    const person = await client.json<{ id: string }>('POST', '/api/people', { name });
    expect(person.status).toBe(201);
    const enrolled = await client.upload(`/api/people/${person.body.id}/faces`, [
      { name: `s${subject}-1.pgm`, bytes: orl(subject, 1) },
    ]);
    expect(enrolled.status).toBe(201);
    people[name] = person.body.id;
  };
  const lookups = async () => (await metricSample(searchMetrics, 'faceflow_search_queries_total')) ?? 0;
  const fallbacks = async (metricsUrl: string) =>
    (await metricSample(metricsUrl, 'faceflow_search_fallback_lookups_total')) ?? 0;

  beforeAll(async () => {
    schema = await createTestSchema();
    const store = { DATABASE_URL: schema.url, DATA_DIR: dir };
    const port = await freePort();
    search = await startSearchProcess(port, { ...store, SEARCH_SECRET: SECRET, LOG_LEVEL: 'info' });
    searchMetrics = SEARCH_READY.exec(search.output())?.[2] as string;
    const remote = {
      ...store,
      QUEUE_URL: 'embedded:',
      SEARCH_URL: search.url,
      SEARCH_SECRET: SECRET,
      SEARCH_TIMEOUT_MS: '3000',
      SEARCH_BREAKER_OPEN_MS: '60000',
      LOG_LEVEL: 'info',
    };
    api = await startChildServer({ ...remote, PORT: '0', METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' }, [
      'api',
    ]);
    apiMetrics = /\/metrics also at (http:\/\/\S+)/.exec(api.output())?.[1] as string;
    worker = await startWorkerProcess({ ...remote, WORKER_CONCURRENCY: '1' });
    client = await signInAsAdmin(api.url, store);
    await enrol('Subject five', 5);
    await enrol('Subject seven', 7);
  });

  afterAll(async () => {
    for (const p of [api, worker, search]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all([api?.exited, worker?.exited, search?.exited]);
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses calls without the shared secret; health checks stay open', async () => {
    const refused = await fetch(`${search.url}/faceflow.v1.Search/Nearest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    const health = await fetch(`${search.url}/grpc.health.v1.Health/Check`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"service":"faceflow.v1.Search"}',
    });
    expect(await health.json()).toEqual({ status: 'SERVING' });
    expect((await fetch(`${searchMetrics}/readyz`)).status).toBe(200);
  });

  it('identifies through the search role, in the api (identify) and in the worker (photos)', async () => {
    const before = await lookups();
    expect(await identify(5, 3)).toEqual(['Subject five']);
    expect(await processed(7, 4)).toEqual([people['Subject seven']]);
    expect(await lookups()).toBeGreaterThanOrEqual(before + 2);
    expect(await fallbacks(apiMetrics)).toBe(0);
    expect(await fallbacks(worker.url)).toBe(0);
    // Two people enrolled, one face each: the search role's index holds both.
    const text = await (await fetch(`${searchMetrics}/metrics`)).text();
    expect(text).toMatch(/^faceflow_search_faces\{model="[^"]+"\} 2$/m);
  });

  it('never answers with a deleted person', async () => {
    const removed = await client.json('DELETE', `/api/people/${people['Subject seven']}`);
    expect(removed.status).toBeLessThan(300);
    expect(await identify(7, 5)).toEqual([null]);
    expect(await identify(5, 4)).toEqual(['Subject five']);
  });

  it('with the search role killed, identification goes on from a local exact scan', async () => {
    search.child.kill('SIGKILL');
    await search.exited;
    expect(await identify(5, 5)).toEqual(['Subject five']);
    expect(await processed(5, 6)).toEqual([people['Subject five']]);
    expect(await fallbacks(apiMetrics)).toBeGreaterThanOrEqual(1);
    expect(await fallbacks(worker.url)).toBeGreaterThanOrEqual(1);
    // A person enrolled while it is down is known to the fallback, and a deleted one is not.
    await enrol('Subject nine', 9);
    expect(await identify(9, 2)).toEqual(['Subject nine']);
    expect(await identify(7, 6)).toEqual([null]);
    await until(
      'the breaker to open',
      async () =>
        (await metricSample(apiMetrics, 'faceflow_search_breaker_state{state="open"}')) === 1 ? true : null,
      10_000,
    );
    expect(api.output()).toMatch(/search circuit breaker opened/);
  });
});
