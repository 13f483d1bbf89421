import { Agent, request as httpRequest } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { ScriptedEngine } from '../helpers/scripted-engine.ts';

// Every route of the real server, asked for anonymously under many spellings of its path (percent-encoded
// letters, encoded slashes, other case, extra slashes, `;` parameters, dot segments...). The router decodes
// some of them into the route; the answer must still be 400, 401 or 404 with a JSON error, and the private
// route's handler must not run. The routes come from the server itself (an onRoute collector installed on
// the Fastify instance the server builds, checked against /openapi.json), so a new route is covered without
// editing this file.

interface SeenRoute {
  method: string;
  url: string;
  hidden: boolean;
}

const seen = vi.hoisted(() => ({
  routes: [] as { method: string; url: string; hidden: boolean }[],
  /** Handlers that ran for a request carrying `x-probe`: the probe and `METHOD /route`. */
  handled: [] as { probe: string; route: string }[],
}));

// Wraps the Fastify factory so that every route the server registers is recorded and its handler reports
// when it runs (before the route's own code does anything).
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const original = actual.default as unknown as (...args: unknown[]) => FastifyInstance;
  const recording = (...args: unknown[]) => {
    const app = original(...args);
    app.addHook('onRoute', (route: RouteOptions) => {
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of [route.method].flat()) seen.routes.push({ method, url: route.url, hidden });
      const handler = route.handler;
      route.handler = function (this: unknown, request: FastifyRequest, reply: FastifyReply) {
        const probe = request.headers['x-probe'];
        if (typeof probe === 'string') seen.handled.push({ probe, route: `${request.method} ${route.url}` });
        return handler.call(this as never, request, reply);
      };
    });
    return app;
  };
  Object.assign(recording, actual.default);
  return { ...actual, default: recording, fastify: recording };
});

/** Routes hidden from the OpenAPI document that anyone may call: the document, the docs, the UI, preflights. */
const PUBLIC_HIDDEN = [
  /^(GET|HEAD) \/openapi\.json$/,
  /^[A-Z]+ \/docs(\/|$)/,
  /^(GET|HEAD) \/\*$/,
  /^(GET|HEAD) \/assets\/\*$/,
  /^OPTIONS \*$/,
];

/** A plausible value for every path parameter (an id in the form the store makes). */
const ID = '0190b3a4-7c1e-7a2b-9c3d-4e5f6a7b8c9d';
const fill = (url: string) => url.replace(/:[A-Za-z]+/g, ID).replace(/\*/g, 'x');

interface OpenApiDoc {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

interface Answer {
  status: number | 'timeout' | 'error';
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/**
 * One raw HTTP request: the path goes on the wire exactly as given (fetch would normalize it). A kept-alive
 * connection that the server closed after refusing an earlier request is retried once on a fresh one.
 */
async function raw(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<Answer> {
  const answer = await rawOnce(base, method, path, headers, agent);
  return answer.status === 'error' ? rawOnce(base, method, path, headers, false) : answer;
}

function rawOnce(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  via: Agent | false,
): Promise<Answer> {
  return new Promise((resolve) => {
    const withBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method);
    const req = httpRequest({
      host: base.hostname,
      port: base.port,
      method,
      path,
      agent: via,
      headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
      timeout: 5000,
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        // An event stream never ends: what came is enough to judge.
        if (body.length > 64 * 1024) res.destroy();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('close', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ status: 'timeout', body: '' });
    });
    req.on('error', () => resolve({ status: 'error', body: '' }));
    req.end(withBody ? '{}' : undefined);
  });
}

/** Other spellings of a concrete path, each of which a lenient router, proxy or decoder might take for it. */
function spellingsOf(path: string, staticLetters: ReadonlySet<number>, host: string): string[] {
  const out = new Set<string>();
  const at = (i: number, replacement: string) => path.slice(0, i) + replacement + path.slice(i + 1);
  const hex = (c: string) => c.charCodeAt(0).toString(16);
  // Each letter of the route's own text percent-encoded, one at a time; then all letters, both hex cases.
  for (const i of staticLetters) out.add(at(i, `%${hex(path[i] as string)}`));
  const first = Math.min(...staticLetters);
  out.add(at(first, `%${hex(path[first] as string).toUpperCase()}`));
  out.add(path.replace(/[A-Za-z]/g, (c) => `%${hex(c)}`));
  out.add(path.replace(/[A-Za-z]/g, (c) => `%${hex(c).toUpperCase()}`));
  // Encoded slashes, one at a time and all at once; a leading one.
  const slashes = [...path].flatMap((c, i) => (c === '/' && i > 0 ? [i] : []));
  for (const i of slashes) {
    out.add(at(i, '%2F'));
    out.add(at(i, '%2f'));
  }
  out.add(`/${path.slice(1).replaceAll('/', '%2F')}`);
  out.add(`%2F${path.slice(1)}`);
  // Case.
  out.add(path.toUpperCase());
  out.add(path.replace(/\/([a-z])/g, (_m, c: string) => `/${c.toUpperCase()}`));
  // Trailing and doubled slashes.
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(`/${path}`);
  for (const i of slashes) out.add(at(i, '//'));
  // `;` parameters after each segment and at the end.
  for (const i of slashes) out.add(`${path.slice(0, i)};x${path.slice(i)}`);
  out.add(`${path};x`);
  out.add(`${path};`);
  // Dot segments, plain and encoded, and backslashes.
  out.add(`/.${path}`);
  out.add(`/x/..${path}`);
  out.add(`/x/%2e%2e${path}`);
  out.add(`/%2e${path}`);
  out.add(path.replaceAll('/', '\\'));
  out.add(`${path.slice(0, slashes[0] ?? path.length)}\\${path.slice((slashes[0] ?? path.length) + 1)}`);
  // Encoded characters the router or a proxy might cut at, and the absolute form of the request target.
  out.add(`${path}%3Fx`);
  out.add(`${path}%23x`);
  out.add(`${path}%00`);
  out.add(`${path}%20`);
  out.add(`${path}#x`);
  out.add(`http://${host}${path}`);
  out.delete(path);
  return [...out];
}

/** The positions of the letters that come from the route's own text (not from the filled-in parameters). */
function staticLetterPositions(template: string): Set<number> {
  const positions = new Set<number>();
  let offset = 0;
  for (const segment of template.split('/')) {
    const value = segment.startsWith(':') ? ID : segment === '*' ? 'x' : segment;
    if (!segment.startsWith(':') && segment !== '*')
      for (let i = 0; i < value.length; i++)
        if (/[A-Za-z]/.test(value[i] as string)) positions.add(offset + i);
    offset += value.length + 1;
  }
  return positions;
}

/** Runs `work` on every item, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

describe('route-level authentication: no spelling of a private path reaches its handler', () => {
  let server: TestServer;
  let base: URL;
  let doc: OpenApiDoc;
  let routes: SeenRoute[];
  const isPublic = new Map<string, boolean>();

  beforeAll(async () => {
    // METRICS_AUTH on: /metrics is one of the private routes checked here.
    server = await startTestServer({ METRICS_AUTH: 'enabled' }, new ScriptedEngine(() => []));
    base = new URL(server.running.url);
    doc = (await (await fetch(`${server.running.url}/openapi.json`)).json()) as OpenApiDoc;
    const unique = new Map(seen.routes.map((r) => [`${r.method} ${r.url}`, r]));
    routes = [...unique.values()];
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const openApiPath = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = doc.paths[openApiPath]?.[r.method.toLowerCase()];
      const declaredOpen = Array.isArray(operation?.security) && operation.security.length === 0;
      const headOfOpen =
        r.method === 'HEAD' && doc.paths[openApiPath]?.get?.security?.length === 0 && !r.hidden;
      isPublic.set(key, declaredOpen || headOfOpen || (r.hidden && PUBLIC_HIDDEN.some((re) => re.test(key))));
    }
  });
  afterAll(async () => {
    agent.destroy();
    await server?.stop();
  });

  it('knows every route: the OpenAPI document and the route table agree, and the private ones are there', () => {
    const table = new Set(routes.map((r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((op) => !table.has(op))).toEqual([]);
    const privateRoutes = routes
      .filter((r) => !isPublic.get(`${r.method} ${r.url}`))
      .map((r) => `${r.method} ${r.url}`);
    for (const expected of [
      'GET /api/users',
      'GET /api/keys',
      'GET /api/audit',
      'GET /api/system',
      'GET /api/images/:id/content',
      'GET /api/images/:id/faces/:faceId/thumbnail',
      'GET /api/events',
      'POST /api/identify',
      'POST /api/images',
      'POST /api/jobs/average',
      'GET /metrics',
      'GET /api/auth/me',
    ])
      expect(privateRoutes).toContain(expected);
    // The declared public ones: sign-in and setup, probes, the document, docs and UI.
    for (const open of ['POST /api/auth/login', 'GET /healthz', 'GET /readyz', 'GET /openapi.json', 'GET /*'])
      expect(isPublic.get(open), open).toBe(true);
  });

  it('answers 401 unauthorized with a JSON error to the plain path of every private route, handler untouched', async () => {
    const failures: string[] = [];
    for (const r of routes) {
      if (isPublic.get(`${r.method} ${r.url}`)) continue;
      const probe = `plain ${r.method} ${r.url}`;
      const answer = await raw(base, r.method, fill(r.url), { 'x-probe': probe });
      const code = r.method === 'HEAD' ? 'unauthorized' : errorCode(answer.body);
      if (answer.status !== 401 || code !== 'unauthorized')
        failures.push(`${probe} → ${answer.status} ${answer.body.slice(0, 80)}`);
    }
    const reached = seen.handled.filter((h) => h.probe.startsWith('plain '));
    expect(failures).toEqual([]);
    expect(reached).toEqual([]);
    // The recorder does see a private handler that runs: the same path, signed in.
    const signedIn = await raw(base, 'GET', '/api/users', {
      'x-probe': 'sanity',
      ...server.api.authHeaders(),
    });
    expect(signedIn.status).toBe(200);
    expect(seen.handled).toContainEqual({ probe: 'sanity', route: 'GET /api/users' });
  });

  it('answers 400, 401 or 404 with a JSON error to every other spelling, and no private handler runs', async () => {
    const attempts: { route: SeenRoute; spelling: string }[] = [];
    for (const r of routes) {
      if (isPublic.get(`${r.method} ${r.url}`)) continue;
      const letters = staticLetterPositions(r.url);
      if (letters.size === 0) continue;
      // A HEAD answer has no body to frame a parser error in: only paths a router sees.
      for (const spelling of spellingsOf(fill(r.url), letters, base.host))
        if (r.method !== 'HEAD' || spelling.startsWith('/') || spelling.startsWith('http:'))
          attempts.push({ route: r, spelling });
    }
    const failures: string[] = [];
    await inParallel(attempts, 6, async ({ route, spelling }) => {
      const probe = `spelling ${route.method} ${spelling}`;
      // Accepting HTML too, like a browser: the UI's fallback must not serve index.html for these either.
      const answer = await raw(base, route.method, spelling, {
        'x-probe': probe,
        accept: 'text/html,application/json;q=0.9',
      });
      const jsonError = route.method === 'HEAD' || isJsonError(answer.body);
      if (typeof answer.status !== 'number' || ![400, 401, 404].includes(answer.status) || !jsonError)
        failures.push(`${probe} (route ${route.url}) → ${answer.status} ${answer.body.slice(0, 80)}`);
    });
    // A handler that ran for a probe: only the public ones (the UI's fallback answering 404) may.
    const reached = seen.handled
      .filter((h) => h.probe.startsWith('spelling ') && !isPublic.get(h.route))
      .map((h) => `${h.probe} → handler of ${h.route}`);
    expect(attempts.length).toBeGreaterThan(1000);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(reached.slice(0, 40)).toEqual([]);
  });
});

/** Our `{error: {code, message}}`, or the JSON Fastify answers to a request its HTTP parser refuses. */
function isJsonError(body: string): boolean {
  if (errorCode(body) !== undefined) return true;
  try {
    const parsed = JSON.parse(body) as { statusCode?: unknown };
    return parsed.statusCode === 400;
  } catch {
    return false;
  }
}

function errorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } };
    return typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}
