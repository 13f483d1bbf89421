import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetServer, serveFile, startDatasetServer } from '../helpers/dataset-server.ts';
import { startTestServer, type TestServer } from '../helpers/in-process.ts';
import { faceAlong, ScriptedEngine } from '../helpers/scripted-engine.ts';
import { makeTar, makeZip } from '../support/archives.ts';
import { waitUntil } from './cli-process.ts';

interface JobView {
  id: string;
  state: string;
  source: string;
  download: { bytes: number; totalBytes: number | null; complete: boolean; etaSeconds: number | null } | null;
  error: { code: string; message: string } | null;
  result: {
    counts: { photos: number; photosUsed: number; skipped: Record<string, number> };
    skippedEntries: { entry: string; reason: string; message?: string }[];
  } | null;
}

/** JPEGs of noise (so the archive does not compress away), each its own blob. */
async function photos(n: number): Promise<Uint8Array[]> {
  return Promise.all(
    Array.from(
      { length: n },
      async (_, i) =>
        new Uint8Array(
          await sharp({
            create: {
              width: 160,
              height: 120,
              channels: 3,
              background: { r: i * 20, g: 90, b: 200 - i * 10 },
              noise: { type: 'gaussian', mean: 120 + i, sigma: 40 },
            },
          })
            .jpeg()
            .toBuffer(),
        ),
    ),
  );
}

describe('average jobs over the API from a URL', () => {
  let datasets: DatasetServer;
  let server: TestServer;
  let tarGz: Buffer;
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const PHOTOS = 10;

  beforeAll(async () => {
    const bytes = await photos(PHOTOS);
    tarGz = await makeTar(
      bytes.map((data, i) => ({ name: `set/${String(i).padStart(2, '0')}.jpg`, data })),
      true,
    );
    const zipBomb = makeZip([
      {
        name: 'bomb.jpg',
        data: Object.assign(new Uint8Array(32 * 1024 * 1024), { 0: 0xff, 1: 0xd8, 2: 0xff }),
        deflate: true,
      },
      ...bytes.slice(0, 3).map((data, i) => ({ name: `ok${i}.jpg`, data })),
    ]);
    datasets = await startDatasetServer((req, res) => {
      const route = (req.url ?? '').split('?')[0];
      switch (route) {
        case '/faces.tar.gz':
          return serveFile(req, res, tarGz, { pieceBytes: 2048, holdAt: Math.floor(tarGz.length / 2), gate });
        case '/drops.tar.gz':
          return serveFile(
            req,
            res,
            tarGz,
            datasets.seen.filter((s) => s.path.startsWith('/drops')).length === 1 ? { dropAfter: 3000 } : {},
          );
        case '/bomb.zip':
          return serveFile(req, res, zipBomb);
        case '/huge.tar':
          return serveFile(req, res, tarGz, { declaredLength: 50 * 1024 * 1024 });
        case '/page.tar.gz':
          return serveFile(req, res, Buffer.from(`<!DOCTYPE html><p>${'x'.repeat(1000)}</p>`));
        case '/to-private':
          res.writeHead(302, { location: `http://localhost:${datasets.port}/faces.tar.gz` });
          res.end();
          return;
        default:
          res.writeHead(404);
          res.end();
          return;
      }
    });
    server = await startTestServer(
      {
        DATASET_URL_ALLOW: `127.0.0.1:${datasets.port},localhost:${datasets.port}`,
        DATASET_URL_MAX_BYTES: String(10 * 1024 * 1024),
      },
      new ScriptedEngine(() => [faceAlong(0)]),
    );
  });

  afterAll(async () => {
    release();
    await server?.stop();
    await datasets?.close();
  });

  const authed = (p: string, init: RequestInit = {}) =>
    fetch(`${server.running.url}${p}`, {
      ...init,
      headers: { ...server.api.authHeaders(), ...(init.headers as Record<string, string> | undefined) },
    });
  const post = (body: unknown) =>
    authed('/api/jobs/average', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const getJob = async (id: string) => (await (await authed(`/api/jobs/${id}`)).json()) as JobView;
  async function until(id: string, states: string[]): Promise<JobView> {
    await waitUntil(
      async () => states.includes((await getJob(id)).state),
      `job ${id} to be ${states}`,
      60_000,
    );
    return getJob(id);
  }
  const jobCount = async () =>
    ((await (await authed('/api/jobs')).json()) as { jobs: unknown[] }).jobs.length;

  it('reads and stores photos while the archive still downloads, shows the download, and stores each photo once', async () => {
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const res = await post({ url: datasets.url('/faces.tar.gz?token=secret'), chunkSize: 2 });
    expect(res.status).toBe(202);
    const created = (await res.json()) as JobView;
    expect(created.source).toBe(`http://127.0.0.1:${datasets.port}/faces.tar.gz`);
    // the server holds the second half back: photos of the first half are in the blob store already
    await waitUntil(() => server.blobCount() > 0, 'photos stored while the download runs', 30_000);
    const during = await getJob(created.id);
    expect(during.state).toBe('preparing');
    expect(during.download).toMatchObject({ totalBytes: tarGz.length, complete: false });
    expect(during.download?.bytes).toBeGreaterThan(0);
    expect(during.download?.bytes).toBeLessThan(tarGz.length);
    release();
    const done = await until(created.id, ['done', 'failed']);
    expect(done.error).toBeNull();
    expect(done.result?.counts.photos).toBe(PHOTOS);
    expect(done.download).toBeNull();
    expect(server.blobCount()).toBe(PHOTOS);
    const spool = path.join(server.dataDir, 'imports', 'downloads');
    expect(existsSync(spool) ? await readdir(spool) : []).toEqual([]);
  });

  it('a connection dropped mid-file is resumed with a range request: the same photos, none twice', async () => {
    const res = await post({ url: datasets.url('/drops.tar.gz'), chunkSize: 3 });
    expect(res.status).toBe(202);
    const done = await until(((await res.json()) as JobView).id, ['done', 'failed']);
    expect(done.error).toBeNull();
    expect(done.result?.counts.photos).toBe(PHOTOS);
    const drops = datasets.seen.filter((s) => s.path === '/drops.tar.gz');
    expect(drops).toHaveLength(2);
    expect(drops[1]?.range).toMatch(/^bytes=[1-9]\d*-$/);
    // the same bytes as the first job: no new blob
    expect(server.blobCount()).toBe(PHOTOS);
  });

  it('a zip bomb entry is skipped unread; the rest of the archive is averaged', async () => {
    const res = await post({ url: datasets.url('/bomb.zip') });
    expect(res.status).toBe(202);
    const done = await until(((await res.json()) as JobView).id, ['done', 'failed']);
    expect(done.error).toBeNull();
    expect(done.result?.counts.photos).toBe(4);
    expect(done.result?.counts.skipped.too_large).toBe(1);
    expect(done.result?.skippedEntries).toContainEqual(
      expect.objectContaining({ entry: 'bomb.jpg', reason: 'too_large' }),
    );
  });

  it('every bad URL gets a 4xx with a JSON error, and leaves no job and no photo behind', async () => {
    const before = await jobCount();
    const blobs = server.blobCount();
    const cases: Array<[unknown, number, string, RegExp]> = [
      [
        { url: 'http://example.org/faces.tar.gz' },
        403,
        'forbidden',
        /example\.org is not in DATASET_URL_ALLOW/,
      ],
      [
        { url: `http://127.0.0.1:${datasets.port + 1}/a.tar` },
        403,
        'forbidden',
        /is not in DATASET_URL_ALLOW/,
      ],
      [{ url: 'ftp://127.0.0.1/a.tar' }, 400, 'invalid_input', /starts with http:\/\/ or https:\/\//],
      [{ url: 'not a url' }, 400, 'invalid_input', /not a valid URL/],
      [{ url: datasets.url('/a.tar'), path: 'set' }, 400, 'invalid_input', /either "path" or "url"/],
      [{ url: datasets.url('/a.tar'), face: 'biggest' }, 400, 'invalid_input', /face/],
      [
        { url: datasets.url('/to-private') },
        403,
        'forbidden',
        /localhost:\d+ resolves to (127\.0\.0\.1|::1), a loopback address/,
      ],
      [
        { url: datasets.url('/page.tar.gz') },
        400,
        'invalid_input',
        /is not a \.tar, \.tar\.gz or \.zip archive/,
      ],
      [{ url: datasets.url('/huge.tar') }, 413, 'payload_too_large', /more than DATASET_URL_MAX_BYTES/],
      [{ url: datasets.url('/missing.tar') }, 400, 'invalid_input', /the server answered 404/],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await post(body);
      const answer = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(answer.error.code, JSON.stringify(body)).toBe(code);
      expect(answer.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(await jobCount()).toBe(before);
    expect(server.blobCount()).toBe(blobs);
  });
});
