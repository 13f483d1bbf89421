import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestJson } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { createTestSchema } from '../helpers/servers.ts';
import { postgresReader, type Sql, sqliteReader } from '../helpers/sql-reader.ts';

// Fuzzing every route of the real server (`faceflow all` in this process, SQLite, scripted engine so a
// run takes seconds): random bodies (JSON, form fields, file bytes, raw bytes), headers, query strings and
// path parameters, signed in as the admin with rate limits off so requests reach the handlers. The
// routes come from /openapi.json (plus the UI's catch-all). For every request: never a 500, always an
// answer, a 4xx is a JSON `{error:{code,message}}`, and a rejected (4xx) request stored nothing: no
// table that holds data grew and no blob appeared. The server must still be healthy at the end.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const MAX_UPLOAD_BYTES = 64 * 1024;

/**
 * Tables whose rows are stored data. Not watched: the queue, outbox, heartbeats and audit trail, which
 * change on their own, and `faces`, which only the workers write while processing stored photos.
 */
const DATA_TABLES = [
  'images',
  'people',
  'enrolled_faces',
  'users',
  'api_keys',
  'refresh_tokens',
  'average_jobs',
  'average_chunks',
];

interface Route {
  method: string;
  /** OpenAPI path with `{param}` placeholders. */
  path: string;
  query: string[];
  bodyKeys: string[];
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sends the request exactly as built (no URL normalisation, so `..` and `%00` reach the server), with the
 * admin's credentials (kept out of the generated request, so a counterexample does not print the token).
 */
function send(baseUrl: string, req: FuzzRequest, auth: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...auth,
          ...req.headers,
          ...(req.body ? { 'content-length': String(req.body.length) } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer in 15 s: ${req.method} ${req.path}`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

const safeText = fc.string({
  unit: fc.constantFrom(...'abcxyz019 _-.:/%~!$&\'()*+,;=@[]{}"<>\\^`|#?'.split('')),
  maxLength: 40,
});
const nasty = fc.constantFrom(
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '%2e%2e%2f%2e%2e',
  '%00',
  '\u0000',
  "' OR 1=1 --",
  '"; DROP TABLE images; --',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9'.repeat(30),
  'x'.repeat(5000),
  '😀👩‍👩‍👧',
  '\uFFFF\uD800',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '/',
  '//',
  'img_',
  'per_',
  'fac_',
  'avg_',
);
const anyText = fc.oneof(
  safeText,
  nasty,
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const jsonish = fc.oneof(
  anyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyText, { maxLength: 3 }),
  fc.dictionary(anyText, anyText, { maxKeys: 3 }),
);

/** encodeURIComponent that takes lone surrogates too (as U+FFFD, the way a browser sends them). */
const encode = (s: string) => encodeURIComponent(s.replace(/\p{Cs}/gu, '\uFFFD'));

function pathSegment(real: string[]) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...real) },
    { weight: 2, arbitrary: anyText.map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('..', '%2e%2e', '.', '%00', '%', '%zz', ';', 'a%2fb') },
  );
}

describe.each(['sqlite', 'postgres'] as const)('fuzz on %s: random requests to every route', (database) => {
  // PostgreSQL refuses what SQLite takes (NUL bytes in text, invalid UTF-8), so both stores are fuzzed;
  // PostgreSQL with fewer runs, as each request costs more.
  const runs = database === 'sqlite' ? NUM_RUNS : Math.ceil(NUM_RUNS / 2);
  let server: TestServer;
  let sql: Sql;
  let dropSchema: (() => Promise<void>) | undefined;
  let routes: Route[];
  const ids: string[] = [];
  let pngs: Buffer[];

  beforeAll(async () => {
    const env: Record<string, string> = {
      RATE_LIMIT: 'off',
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
      ENGINE_THREADS: '1',
    };
    let schema: string | undefined;
    if (database === 'postgres') {
      const created = await createTestSchema();
      dropSchema = created.drop;
      schema = created.schema;
      env.DATABASE_URL = created.url;
    }
    server = await startTestServer(env, new ScriptedEngine(() => [faceAlong(0), faceAlong(1, 0.05)]));
    sql = schema ? await postgresReader(schema) : sqliteReader(server.dataDir);
    pngs = await Promise.all(
      ['#a33', '#3a3', '#33a'].map((background) =>
        sharp({ create: { width: 24, height: 24, channels: 3, background } })
          .png()
          .toBuffer(),
      ),
    );
    // Real ids, so that some fuzzed requests reach rows that exist.
    const up = await server.api.upload<IngestJson>('/api/images', [
      { name: 'seed.png', bytes: pngs[0] as Buffer },
    ]);
    const image = up.body.images[0]?.id as string;
    const photo = await server.api.waitFor<{ faces: { id: string }[] }>(
      `/api/images/${image}`,
      (b) => b.faces.length > 0,
    );
    const person = (await server.api.json<{ id: string }>('POST', '/api/people', { name: 'Seed' })).body.id;
    ids.push(image, person, ...photo.faces.map((f) => f.id));
    const doc = (
      await server.api.json<{
        paths: Record<
          string,
          Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>
        >;
      }>('GET', '/openapi.json')
    ).body;
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyKeys: Object.keys(
          ((op.requestBody as { content?: Record<string, { schema?: { properties?: object } }> })?.content?.[
            'application/json'
          ]?.schema?.properties ?? {}) as object,
        ),
      })),
    );
    // The event stream never ends; it is fuzzed by its own test below.
    routes = routes.filter((r) => r.path !== '/api/events');
    routes.push({ method: 'GET', path: '/{any}', query: [], bodyKeys: [] });
    expect(routes.length).toBeGreaterThan(20);
  });
  afterAll(async () => {
    await sql?.close();
    await server?.stop();
    await dropSchema?.();
  });

  async function snapshot(): Promise<string> {
    const counts = await Promise.all(
      DATA_TABLES.map(async (t) => {
        const [row] = await sql.rows<{ n: number | string }>(`SELECT count(*) AS n FROM ${t}`);
        return `${t}=${Number(row?.n)}`;
      }),
    );
    return [...counts, `blobs=${server.blobCount()}`].join(' ');
  }

  function grew(before: string, after: string): string[] {
    const parse = (s: string) => new Map(s.split(' ').map((kv) => kv.split('=') as [string, string]));
    const a = parse(before);
    return [...parse(after)].filter(([k, v]) => Number(v) > Number(a.get(k))).map(([k]) => k);
  }

  const fuzzRequest = () =>
    fc
      .record({
        routeIndex: fc.nat(),
        segments: fc.array(pathSegment(ids.length ? ids : ['x']), { minLength: 4, maxLength: 4 }),
        query: fc.array(fc.tuple(fc.oneof(fc.constant(''), anyText), anyText), { maxLength: 4 }),
        knownQuery: fc.array(anyText, { maxLength: 4 }),
        headers: fc.dictionary(
          fc.constantFrom(
            'accept',
            'content-type',
            'last-event-id',
            'x-request-id',
            'range',
            'if-none-match',
            'cookie',
            'origin',
            'x-forwarded-for',
            'accept-encoding',
            'x-api-key',
          ),
          fc.string({ unit: fc.constantFrom(...'abcXYZ019 ,;=/*.-_:"'.split('')), maxLength: 40 }),
          { maxKeys: 3 },
        ),
        body: fc.oneof(
          fc.constant({ kind: 'none' as const }),
          fc.record({
            kind: fc.constant('json' as const),
            value: fc.oneof(jsonish, fc.dictionary(anyText, jsonish)),
          }),
          fc.record({ kind: fc.constant('fields' as const), value: fc.array(jsonish, { maxLength: 6 }) }),
          fc.record({
            kind: fc.constant('files' as const),
            files: fc.array(
              fc.record({
                name: anyText,
                field: fc.constantFrom('file', 'files', 'photo', ''),
                bytes: fc.oneof(
                  fc.uint8Array({ maxLength: 2048 }),
                  fc.constantFrom(0, 1, 2).map((i) => pngs[i] as Buffer),
                  fc
                    .tuple(fc.constantFrom(0, 1, 2), fc.nat())
                    .map(([i, n]) => (pngs[i] as Buffer).subarray(0, n % (pngs[i] as Buffer).length)),
                  fc.constant(Buffer.alloc(MAX_UPLOAD_BYTES + 10, 1)),
                ),
              }),
              { maxLength: 3 },
            ),
          }),
          fc.record({
            kind: fc.constant('raw' as const),
            contentType: fc.constantFrom(
              'application/json',
              'multipart/form-data; boundary=xyz',
              'multipart/form-data',
              'text/plain',
              'application/octet-stream',
              'application/x-www-form-urlencoded',
              'image/png',
            ),
            bytes: fc.uint8Array({ maxLength: 1024 }),
          }),
        ),
      })
      .map((g): { request: FuzzRequest; route: Route } => {
        const route = routes[g.routeIndex % routes.length] as Route;
        let n = 0;
        const path = route.path.replace(/\{[^}]+\}/g, () => g.segments[n++ % g.segments.length] as string);
        const params = new URLSearchParams();
        route.query.forEach((name, i) => {
          if (g.knownQuery[i] !== undefined) params.append(name, g.knownQuery[i] as string);
        });
        for (const [k, v] of g.query) params.append(k, v);
        const qs = params.toString();
        const headers: Record<string, string> = { ...g.headers };
        let body: Buffer | undefined;
        const b = g.body;
        if (b.kind === 'json') {
          const value =
            route.bodyKeys.length > 0 &&
            typeof b.value === 'object' &&
            b.value !== null &&
            !Array.isArray(b.value)
              ? {
                  ...Object.fromEntries(
                    route.bodyKeys.map((k, i) => [k, Object.values(b.value as object)[i] ?? 'x']),
                  ),
                  ...b.value,
                }
              : b.value;
          body = Buffer.from(JSON.stringify(value));
          headers['content-type'] = 'application/json';
        } else if (b.kind === 'fields' || b.kind === 'files') {
          const boundary = 'fuzzboundary7MA4YWxk';
          const parts: Buffer[] = [];
          if (b.kind === 'fields')
            for (const [i, v] of b.value.entries()) {
              const name = route.bodyKeys[i] ?? ['path', 'face', 'name'][i % 3];
              const text = typeof v === 'string' ? v : JSON.stringify(v);
              parts.push(
                Buffer.from(
                  `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${text}\r\n`,
                ),
              );
            }
          else
            for (const f of b.files) {
              parts.push(
                Buffer.from(
                  `--${boundary}\r\ncontent-disposition: form-data; name="${f.field}"; filename="${f.name.replace(/["\r\n]/g, '')}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
                ),
                Buffer.from(f.bytes),
                Buffer.from('\r\n'),
              );
            }
          parts.push(Buffer.from(`--${boundary}--\r\n`));
          body = Buffer.concat(parts);
          headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
        } else if (b.kind === 'raw') {
          body = Buffer.from(b.bytes);
          headers['content-type'] = b.contentType;
        }
        if (route.method === 'GET' || route.method === 'HEAD') body = undefined;
        return { request: { method: route.method, path: qs ? `${path}?${qs}` : path, headers, body }, route };
      });

  it(`answers ${runs} random requests without a 500, and a rejected request stores nothing`, {
    timeout: 120_000,
  }, async () => {
    const statuses = new Map<number, number>();
    let unauthorized = 0;
    await fc.assert(
      fc.asyncProperty(fuzzRequest(), async ({ request, route }) => {
        const before = await snapshot();
        const answer = await send(server.api.baseUrl, request, server.api.authHeaders());
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        // Signed in as the admin: only the sign-in routes themselves may say 401 (a bad password or token).
        if (answer.status === 401 && !route.path.startsWith('/api/auth/')) unauthorized++;
        const where = `${request.method} ${request.path.slice(0, 200)} (route ${route.method} ${route.path}) → ${answer.status} ${answer.body.slice(0, 300)}`;
        expect(answer.status, where).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(answer.contentType, where).toContain('application/json');
          const error = (JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } }).error;
          expect(typeof error?.code, where).toBe('string');
          expect(typeof error?.message, where).toBe('string');
          expect(answer.body, where).not.toMatch(
            /\bat .+:\d+:\d+\)|node_modules|SQLITE_|violates|relation "/,
          );
          expect(grew(before, await snapshot()), where).toEqual([]);
        }
      }),
      { numRuns: runs, seed: SEED, endOnFailure: true },
    );
    // The run reached the handlers: not only 401s or 404s.
    const reached = [...statuses].filter(([s]) => s !== 401 && s !== 404).reduce((n, [, c]) => n + c, 0);
    expect(reached, JSON.stringify([...statuses])).toBeGreaterThan(runs / 4);
    expect(unauthorized).toBe(0);
    const health = await send(server.api.baseUrl, { method: 'GET', path: '/readyz', headers: {} });
    expect(health.status).toBe(200);
  });

  it('keeps the event stream up whatever Last-Event-ID and query it gets', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, anyText, async (lastId, query) => {
        const controller = new AbortController();
        const res = await fetch(`${server.api.baseUrl}/api/events?lastEventId=${encode(query)}`, {
          headers: { ...server.api.authHeaders(), 'last-event-id': encode(lastId) },
          signal: controller.signal,
        });
        // Text with a NUL is refused before any route (400); anything else opens the stream.
        const nul = query.includes('\0');
        expect(res.status).toBe(nul ? 400 : 200);
        controller.abort();
      }),
      { numRuns: 30, seed: SEED },
    );
  });
});
