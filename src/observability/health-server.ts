import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  port: number;
  host: string;
  registry: Registry;
  /** Null when ready; otherwise why not (answered with 503). */
  readiness: () => Promise<string | null>;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The small HTTP server of a role without an API (worker, recognizer), and of api/all on METRICS_PORT:
 * `/healthz` (the process answers), `/readyz` (its dependencies answer) and `/metrics` (Prometheus).
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const json = (status: number, body: unknown) => ({
    status,
    type: 'application/json',
    body: JSON.stringify(body),
  });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const answer = async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return json(405, { error: { code: 'method', message: 'GET only' } });
      if (path === '/healthz') return json(200, { status: 'ok' });
      if (path === '/readyz') {
        const problem = await options.readiness().catch((error: unknown) => String(error));
        return problem === null
          ? json(200, { status: 'ready' })
          : json(503, { error: { code: 'unavailable', message: problem } });
      }
      if (path === '/metrics')
        return { status: 200, type: options.registry.contentType, body: await options.registry.metrics() };
      return json(404, { error: { code: 'not_found', message: `no route ${path}` } });
    };
    answer().then(
      (a) => {
        res.writeHead(a.status, { 'content-type': a.type });
        res.end(req.method === 'HEAD' ? undefined : a.body);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
