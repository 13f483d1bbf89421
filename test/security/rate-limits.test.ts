import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorJson, type IngestJson, TEST_ADMIN } from '../helpers/api-client.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';

// Rate limits on the real server (`faceflow all` in this process, scripted engine): uploads per route,
// the global limit, probes never limited, and counters shared through Redis by two servers.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A small PNG whose bytes differ by `n` (so no upload is a duplicate of another). */
function png(n: number): Promise<Buffer> {
  return sharp({
    create: { width: 16, height: 16, channels: 3, background: { r: n % 256, g: (n >> 8) % 256, b: 7 } },
  })
    .png()
    .toBuffer();
}

async function expectRateLimited(
  res: Response | { status: number; body: ErrorJson },
  retryAfter?: string | null,
) {
  expect(res.status).toBe(429);
  const body = res instanceof Response ? ((await res.json()) as ErrorJson) : res.body;
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.message).toMatch(/too many requests/);
  const after = res instanceof Response ? res.headers.get('retry-after') : retryAfter;
  expect(Number(after)).toBeGreaterThan(0);
}

const engine = () => new ScriptedEngine(() => [faceAlong(0)]);

describe('rate limits', () => {
  let server: TestServer;
  const limits = {
    RATE_LIMIT: 'on',
    RATE_LIMIT_UPLOAD_MAX: '3',
    RATE_LIMIT_MAX: '40',
    RATE_LIMIT_WINDOW_MS: '60000',
    WORKER_CONCURRENCY: '0',
  };

  beforeAll(async () => {
    server = await startTestServer(limits, engine());
  });
  afterAll(async () => {
    await server?.stop();
  });

  const count = async (s: TestServer) =>
    (await s.api.json<{ images: unknown[] }>('GET', '/api/images?limit=100')).body.images.length;

  it('answers the upload over the limit with 429 rate_limited and Retry-After, and stores nothing of it', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await server.api.upload<IngestJson>('/api/images', [
        { name: `${i}.png`, bytes: await png(i) },
      ]);
      expect(ok.status).toBe(201);
    }
    const blobs = server.blobCount();
    const url = `${server.api.baseUrl}/api/images`;
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await png(99))]), 'over.png');
    const res = await fetch(url, { method: 'POST', body: form, headers: server.api.authHeaders() });
    await expectRateLimited(res);
    expect(await count(server)).toBe(3);
    expect(server.blobCount()).toBe(blobs);
  });

  it('counts each upload route on its own: identify still answers, then is limited too', async () => {
    const bytes = await png(1000);
    for (let i = 0; i < 3; i++)
      expect((await server.api.upload('/api/identify', [{ name: 'q.png', bytes }])).status).toBe(200);
    const over = await server.api.upload<ErrorJson>('/api/identify', [{ name: 'q.png', bytes }]);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('rate_limited');
  });

  it('limits every other route with the generous global limit, but never the probes', async () => {
    let status = 200;
    let last: Response | undefined;
    for (let i = 0; i < 60 && status !== 429; i++) {
      last = await fetch(`${server.api.baseUrl}/api/people`, { headers: server.api.authHeaders() });
      status = last.status;
      if (status !== 429) await last.arrayBuffer();
    }
    expect(last).toBeDefined();
    await expectRateLimited(last as Response);
    // The limit holds before authentication and routing: a flood of bad keys or unknown URLs is limited too.
    await expectRateLimited(
      await fetch(`${server.api.baseUrl}/api/people`, { headers: { 'x-api-key': 'ffk_guessing' } }),
    );
    await expectRateLimited(await fetch(`${server.api.baseUrl}/api/no-such-route`));
    for (let i = 0; i < 50; i++) {
      expect((await fetch(`${server.api.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.api.baseUrl}/readyz`)).status).toBe(200);
    }
  });

  it('RATE_LIMIT=off turns every limit off', async () => {
    const open = await startTestServer({ ...limits, RATE_LIMIT: 'off' }, engine());
    try {
      for (let i = 0; i < 6; i++)
        expect(
          (await open.api.upload('/api/images', [{ name: `${i}.png`, bytes: await png(i) }])).status,
        ).toBe(201);
    } finally {
      await open.stop();
    }
  });
});

describe('rate limits shared through Redis', () => {
  const prefix = `faceflow-test-${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    await redis.connect();
    const env = {
      RATE_LIMIT: 'on',
      RATE_LIMIT_UPLOAD_MAX: '4',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      WORKER_CONCURRENCY: '0',
    };
    a = await startTestServer(env, engine());
    b = await startTestServer(env, engine());
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('two api servers count in the same Redis keys, so together they allow only the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const server = i % 2 === 0 ? a : b;
      statuses.push(
        (await server.api.upload('/api/images', [{ name: `${i}.png`, bytes: await png(i) }])).status,
      );
    }
    // 4 allowed in all, whichever server they went to; each server alone saw at most 3.
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith(`${prefix}rate-limit:`))).toBe(true);
  });
});

describe('rate limit on sign-in, per client address and account name', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      { RATE_LIMIT: 'on', RATE_LIMIT_LOGIN_MAX: '3', WORKER_CONCURRENCY: '0' },
      engine(),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  const login = (name: string, password = 'not-the-password-123') =>
    fetch(`${server.api.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, password }),
    });

  it('slows guessing at one name down to the limit, whether the account exists or not', async () => {
    for (let i = 0; i < 3; i++) expect((await login('nobody-at-all')).status).toBe(401);
    await expectRateLimited(await login('nobody-at-all'));
    // The same name in other case is the same account name.
    await expectRateLimited(await login('  NOBODY-AT-ALL '));
    // Another name from the same address has its own counter, and the admin still signs in.
    expect((await login('someone-else')).status).toBe(401);
    expect((await login(TEST_ADMIN.name, TEST_ADMIN.password)).status).toBe(200);
  });
});

describe('rate limits when Redis cannot be reached', () => {
  it('start and answer (limits open, no 500) instead of failing every request', async () => {
    // Nothing listens on port 1; the counters cannot be kept, so requests pass unlimited.
    const server = await startTestServer(
      {
        RATE_LIMIT: 'on',
        RATE_LIMIT_UPLOAD_MAX: '1',
        REDIS_URL: 'redis://127.0.0.1:1',
        WORKER_CONCURRENCY: '0',
      },
      engine(),
    );
    try {
      for (let i = 0; i < 3; i++)
        expect(
          (await server.api.upload('/api/images', [{ name: `${i}.png`, bytes: await png(500 + i) }])).status,
        ).toBe(201);
      expect((await server.api.json('GET', '/api/people')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
