import { createServer } from 'node:net';
import { type ChildServer, startChildServer } from './child-server.ts';

/** What `faceflow worker` and `faceflow recognizer` print once they serve (first group: their URL). */
export const WORKER_READY = /faceflow worker \S+ is running \(metrics: (http:\/\/[^\s)]+)\)/;
export const RECOGNIZER_READY = /faceflow recognizer is running at (http:\/\/\S+)/;
export const SEARCH_READY = /faceflow search is running at (http:\/\/\S+) \(metrics: (http:\/\/[^\s)]+)\)/;

/** A TCP port free right now on 127.0.0.1 (for a process that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Polls `probe` every `everyMs` until it answers something other than null; throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null>,
  timeoutMs: number,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `faceflow recognizer` on `port` (fixed, so that a restart comes back where the workers look). */
export function startRecognizerProcess(port: number, env: Record<string, string>): Promise<ChildServer> {
  return startChildServer(
    { RECOGNIZER_PORT: String(port), RECOGNIZER_HOST: '127.0.0.1', METRICS_PORT: '0', ...env },
    ['recognizer'],
    90_000,
    RECOGNIZER_READY,
  );
}

/** `faceflow search` on `port` (fixed, so that a restart comes back where api and workers look). */
export function startSearchProcess(port: number, env: Record<string, string>): Promise<ChildServer> {
  return startChildServer(
    {
      SEARCH_PORT: String(port),
      SEARCH_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      ...env,
    },
    ['search'],
    90_000,
    SEARCH_READY,
  );
}

/** `faceflow worker` with its /metrics on a free port of 127.0.0.1; `url` is that metrics address. */
export function startWorkerProcess(env: Record<string, string>): Promise<ChildServer> {
  return startChildServer(
    { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', ...env },
    ['worker'],
    90_000,
    WORKER_READY,
  );
}

/** One sample of a Prometheus text exposition (`name{labels} value`), or null when absent or unreachable. */
export async function metricSample(metricsUrl: string, sample: string): Promise<number | null> {
  const text = await fetch(`${metricsUrl}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const escaped = sample.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}
