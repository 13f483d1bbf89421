import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, signInAsAdmin } from '../helpers/api-client.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

/** The count of `faceflow_http_requests_total` for one route and status, 0 when absent. */
function requestsCounted(exposition: string, route: string, status: number): number {
  const line = exposition
    .split('\n')
    .find(
      (l) =>
        l.startsWith('faceflow_http_requests_total{') &&
        l.includes(`route="${route}"`) &&
        l.includes(`status="${status}"`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('faceflow api with METRICS_AUTH=enabled and a METRICS_PORT (the Kubernetes setup)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceflow-api-metrics-'));
  const env = {
    DATA_DIR: dir,
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
    METRICS_AUTH: 'enabled',
    METRICS_PORT: '0',
  };
  let api: ChildServer;
  let metricsUrl: string;
  let admin: ApiClient;

  beforeAll(async () => {
    // The api migrates the database itself.
    api = await startChildServer({ ...env, PORT: '0' }, ['api']);
    const announced = /\/metrics also at (http:\/\/\S+)/.exec(api.output())?.[1];
    if (!announced) throw new Error(`no metrics URL printed:\n${api.output()}`);
    metricsUrl = announced;
    admin = await signInAsAdmin(api.url, env);
  }, 120_000);

  afterAll(async () => {
    await killIfRunning(api);
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on a second port of the same host', () => {
    expect(new URL(metricsUrl).hostname).toBe(new URL(api.url).hostname);
    expect(new URL(metricsUrl).port).not.toBe(new URL(api.url).port);
  });

  it('/metrics on the main port (what the Ingress forwards) needs a token', async () => {
    const anonymous = await fetch(`${api.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const wrong = await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(wrong.status).toBe(401);
    const signedIn = await fetch(`${api.url}/metrics`, { headers: admin.authHeaders() });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await signedIn.text()).toContain('# TYPE faceflow_http_requests_total counter');
  });

  it('/metrics on the metrics port needs none, and shows the same registry as the main port', async () => {
    const before = requestsCounted(await (await fetch(`${metricsUrl}/metrics`)).text(), '/metrics', 401);
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    const body = await scrape.text();
    // The refused request on the main port is counted in what the metrics port serves.
    expect(requestsCounted(body, '/metrics', 401)).toBe(before + 1);
    const main = await (await fetch(`${api.url}/metrics`, { headers: admin.authHeaders() })).text();
    const names = (text: string) => text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(names(body)).toEqual(names(main));
  });

  it('/healthz and /readyz answer without a token on both ports', async () => {
    for (const base of [api.url, metricsUrl]) {
      const health = await fetch(`${base}/healthz`);
      expect(health.status, base).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status, base).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
    }
  });

  it('the metrics port serves nothing else: no API, no UI, GET only', async () => {
    for (const path of ['/api/people', '/api/auth/config', '/', '/docs']) {
      const response = await fetch(`${metricsUrl}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const post = await fetch(`${metricsUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('faceflow all: the metrics port only when METRICS_PORT is set (npm start opens one port)', () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('unset: no second server; /metrics on the main port stays public by default', async () => {
    server = await startTestServer({}, new ScriptedEngine(() => [faceAlong(0)]));
    expect(server.running.metricsUrl).toBeNull();
    expect((await fetch(`${server.running.url}/metrics`)).status).toBe(200);
    await server.stop();
    server = undefined;
  });

  it('set: served next to the main port with the same figures, and closed with the process', async () => {
    server = await startTestServer(
      { METRICS_PORT: '0', METRICS_AUTH: 'enabled' },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
    const { url, metricsUrl } = server.running;
    if (!metricsUrl) throw new Error('no metrics port');
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const scrape = await fetch(`${metricsUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(requestsCounted(await scrape.text(), '/metrics', 401)).toBe(1);
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    await server.stop();
    server = undefined;
    await expect(fetch(`${metricsUrl}/healthz`)).rejects.toThrow();
  });
});
