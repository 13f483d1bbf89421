/**
 * npm run bench:pipeline [-- --photos 300] [-- --ingest N] [-- --ingest-bytes 15000] [-- --ingest-only]
 * In one run, on lfw-dev photos:
 *  1. raw engine throughput (images/s, all cores) on N photos;
 *  2. the same photos through the HTTP API of `faceflow all` (a child process, fresh DATA_DIR) until
 *     every one is `processed` — target ≥ 0.9× raw;
 *  3. ingest alone (processing paused, fresh DATA_DIR, every request a distinct photo): uploads/s and
 *     p99 latency with autocannon at 20 connections — targets ≥ 300 uploads/s, p99 < 250 ms for ~15 kB photos.
 *     lfw-dev photos are ~9 kB, so each is brought to 15 kB with a JPEG comment segment (as camera metadata
 *     would): more bytes to receive, hash and store, the same pixels.
 * The servers run with authentication on (the bench signs in as an admin) and RATE_LIMIT=off (the test
 * helpers' default): the bench sends far more uploads per second than the per-client upload limit allows.
 * Prints a table; writes bench/results/pipeline.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createFaceEngine } from '../src/engine/index.ts';
import { signInAsAdmin } from '../test/helpers/api-client.ts';
import { startChildServer } from '../test/helpers/child-server.ts';
import { SseClient } from '../test/helpers/sse-client.ts';
import { flag, option, table, writeResult } from './lib/bench-io.ts';
import { LFW_DEV, lfwSample } from './lib/lfw-sample.ts';

const args = process.argv.slice(2);
const PHOTOS = Number(option(args, 'photos') ?? 300);
const THREADS = availableParallelism();
const WARMUP = THREADS * 2;
const INGEST_ONLY = flag(args, 'ingest-only');

async function load(relative: string[]): Promise<Uint8Array[]> {
  return Promise.all(relative.map(async (p) => new Uint8Array(await readFile(path.join(LFW_DEV, p)))));
}

/** The JPEG with a comment (COM) segment after its SOI marker, so that it is `size` bytes long. */
function padJpeg(bytes: Uint8Array, size: number): Uint8Array {
  const padding = size - bytes.length - 4;
  if (padding <= 0 || padding > 65_533) return bytes;
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, 2));
  out.set([0xff, 0xfe, (padding + 2) >> 8, (padding + 2) & 0xff], 2);
  out.fill(0x20, 6, 6 + padding);
  out.set(bytes.subarray(2), 6 + padding);
  return out;
}

function multipart(file: string, bytes: Uint8Array, boundary: string): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file}"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

async function stopServer(server: Awaited<ReturnType<typeof startChildServer>>): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

// Photos: the seeded 300 of bench:engine's sample, plus warm-up photos outside it.
const all = (await lfwSample(0, true)).photos;
const sample = (await lfwSample(PHOTOS, false)).photos.slice(0, PHOTOS);
const inSample = new Set(sample);
const warmupNames = all.filter((p) => !inSample.has(p)).slice(0, WARMUP);
const photos = await load(sample);
const warmup = await load(warmupNames);
console.error(
  `pipeline bench: ${photos.length} photos, ${THREADS} engine threads (${cpus()[0]?.model ?? 'cpu'})`,
);

async function measureEngineAndEndToEnd() {
  // 1. Raw engine: measured before and again after the end-to-end run, so that a change in what else the
  // machine is doing meanwhile shows (and the baseline is their mean rather than one lucky or unlucky run).
  const measureRaw = async () => {
    const engine = await createFaceEngine({ threads: THREADS });
    await Promise.all(warmup.map((b) => engine.analyze(b, { priority: 'batch' })));
    const started = performance.now();
    const analyses = await Promise.all(photos.map((b) => engine.analyze(b, { priority: 'batch' })));
    const seconds = (performance.now() - started) / 1000;
    await engine.close();
    return {
      faces: analyses.reduce((n, a) => n + a.faces.length, 0),
      seconds,
      imagesPerSecond: photos.length / seconds,
    };
  };
  const before = await measureRaw();
  console.error(`raw engine: ${before.imagesPerSecond.toFixed(2)} images/s`);

  // 2. End to end through the HTTP API.
  const e2eDir = mkdtempSync(path.join(tmpdir(), 'faceflow-bench-e2e-'));
  const e2eEnv = { DATA_DIR: e2eDir, ENGINE_THREADS: String(THREADS), LOG_LEVEL: 'warn' };
  const server = await startChildServer(e2eEnv);
  const api = await signInAsAdmin(server.url, e2eEnv);
  const sse = await SseClient.connect(`${server.url}/api/events`, undefined, api.authHeaders());
  // The bench's own client must cost the machine next to nothing (it shares the cores with the server):
  // finished ids are counted as events arrive, not recomputed from every event on every check.
  const finished = new Set<string>();
  let seen = 0;
  const processed = () => {
    for (; seen < sse.events.length; seen++) {
      const e = sse.events[seen];
      const data = e?.data as { id: string; status: string } | undefined;
      if (e?.event === 'image' && data && (data.status === 'processed' || data.status === 'failed'))
        finished.add(data.id);
    }
    return finished;
  };
  const allFinished = (ids: string[]) => {
    const done = processed();
    return ids.every((id) => done.has(id));
  };
  const upload = async (files: Uint8Array[], names: string[]) => {
    const ids: string[] = [];
    const batches: number[][] = [];
    for (let i = 0; i < files.length; i += 10)
      batches.push(Array.from({ length: Math.min(10, files.length - i) }, (_, k) => i + k));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const batch = batches[next++] as number[];
          const res = await api.upload<{ images: { id: string }[] }>(
            '/api/images',
            batch.map((i) => ({ name: names[i] as string, bytes: files[i] as Uint8Array })),
          );
          if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
          ids.push(...res.body.images.map((im) => im.id));
        }
      }),
    );
    return ids;
  };
  const warmIds = await upload(warmup, warmupNames);
  await sse.waitFor(() => allFinished(warmIds), 300_000);
  // Engine threads busy, sampled from /metrics while the photos flow: a measure of the pipeline's own
  // efficiency that, unlike images/s, does not move with what else the machine is running.
  const busySamples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const text = await (await fetch(`${server.url}/metrics`, { headers: api.authHeaders() })).text();
      const busy = /^faceflow_engine_pool_busy (\d+)/m.exec(text)?.[1];
      if (busy !== undefined) busySamples.push(Number(busy));
      // Twice a second: often enough for a mean over a run of tens of seconds, rare enough not to load the server.
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const t0 = performance.now();
  const ids = await upload(photos, sample);
  const uploadSeconds = (performance.now() - t0) / 1000;
  await sse.waitFor(() => allFinished(ids), 900_000);
  const e2eSeconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  const engineBusyShare = busySamples.reduce((n, b) => n + b, 0) / Math.max(1, busySamples.length) / THREADS;
  const counts = await api.json<{ images: { status: string }[] }>(
    'GET',
    '/api/images?limit=500&status=failed',
  );
  await sse.close();
  await stopServer(server);
  rmSync(e2eDir, { recursive: true, force: true });
  const e2e = {
    images: ids.length,
    failed: counts.body.images.length,
    uploadSeconds,
    seconds: e2eSeconds,
    imagesPerSecond: ids.length / e2eSeconds,
    ratioToRaw: 0,
    engineBusyShare,
  };
  console.error(`end to end: ${e2e.imagesPerSecond.toFixed(2)} images/s`);
  const after = await measureRaw();
  console.error(`raw engine again: ${after.imagesPerSecond.toFixed(2)} images/s`);
  const raw = {
    images: photos.length,
    faces: before.faces,
    before,
    after,
    imagesPerSecond: (before.imagesPerSecond + after.imagesPerSecond) / 2,
  };
  e2e.ratioToRaw = e2e.imagesPerSecond / raw.imagesPerSecond;
  return { raw, e2e };
}

const measured = INGEST_ONLY ? null : await measureEngineAndEndToEnd();

// 3. Ingest alone, processing paused, every request a distinct photo.
const ingestCount = Number(option(args, 'ingest') ?? all.length);
const ingestNames = all.slice(0, ingestCount);
const ingestPhotos = (await load(ingestNames)).map((b) =>
  padJpeg(b, Number(option(args, 'ingest-bytes') ?? 15_000)),
);
const meanBytes = ingestPhotos.reduce((n, b) => n + b.byteLength, 0) / ingestPhotos.length;
const boundary = 'faceflowbench7MA4YWxkTrZu0gW';
const bodies = ingestPhotos.map((b, i) => multipart(path.basename(ingestNames[i] as string), b, boundary));
const ingestDir = mkdtempSync(path.join(tmpdir(), 'faceflow-bench-ingest-'));
const ingestEnv = { DATA_DIR: ingestDir, ENGINE_THREADS: '1', WORKER_CONCURRENCY: '0', LOG_LEVEL: 'warn' };
const server = await startChildServer(ingestEnv);
const api = await signInAsAdmin(server.url, ingestEnv);
let nextBody = 0;
const result = await autocannon({
  url: `${server.url}/api/images`,
  connections: 20,
  amount: bodies.length,
  timeout: 30,
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...api.authHeaders() },
      setupRequest: (request) => ({ ...request, body: bodies[nextBody++ % bodies.length] }),
    },
  ],
});
const stored = await api.json<{ images: unknown[]; nextCursor: string | null }>(
  'GET',
  '/api/images?limit=500',
);
let storedCount = stored.body.images.length;
let cursor = stored.body.nextCursor;
while (cursor) {
  const page = await api.json<{ images: unknown[]; nextCursor: string | null }>(
    'GET',
    `/api/images?limit=500&cursor=${cursor}`,
  );
  storedCount += page.body.images.length;
  cursor = page.body.nextCursor;
}
await stopServer(server);
rmSync(ingestDir, { recursive: true, force: true });
const ingest = {
  uploads: result.requests.total,
  stored: storedCount,
  meanPhotoBytes: Math.round(meanBytes),
  non2xx: result.non2xx,
  errors: result.errors,
  seconds: result.duration,
  uploadsPerSecond: result.requests.total / result.duration,
  latencyMs: {
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
  },
};

const raw = measured?.raw;
const e2e = measured?.e2e;
const targets = {
  endToEndAtLeast90PercentOfRaw: e2e ? e2e.ratioToRaw >= 0.9 : null,
  ingestAtLeast300PerSecond: ingest.uploadsPerSecond >= 300,
  ingestP99Below250Ms: ingest.latencyMs.p99 < 250,
};
const rows: (string | number)[][] = [];
if (raw && e2e)
  rows.push(
    [
      'raw engine (all cores)',
      raw.images,
      raw.imagesPerSecond.toFixed(2),
      '',
      `baseline: mean of ${raw.before.imagesPerSecond.toFixed(2)} before and ${raw.after.imagesPerSecond.toFixed(2)} after`,
    ],
    [
      'end to end via HTTP API',
      e2e.images,
      e2e.imagesPerSecond.toFixed(2),
      '',
      `${(e2e.ratioToRaw * 100).toFixed(1)}% of raw (target ≥ 90%) ${targets.endToEndAtLeast90PercentOfRaw ? 'met' : 'MISSED'}; engine threads busy ${(e2e.engineBusyShare * 100).toFixed(1)}% of the time`,
    ],
  );
rows.push([
  'ingest only (20 connections)',
  ingest.uploads,
  ingest.uploadsPerSecond.toFixed(1),
  ingest.latencyMs.p99.toFixed(1),
  `≥ 300/s ${targets.ingestAtLeast300PerSecond ? 'met' : 'MISSED'}, p99 < 250 ms ${targets.ingestP99Below250Ms ? 'met' : 'MISSED'}`,
]);
console.log(
  `faceflow pipeline benchmark — ${THREADS} engine threads, ${raw ? raw.images : 0} lfw-dev photos, ingest photos ${ingest.meanPhotoBytes} bytes on average`,
);
console.log(table(['phase', 'images', 'per second', 'p99 ms', 'verdict'], rows));
const file = await writeResult(INGEST_ONLY ? 'pipeline-ingest' : 'pipeline', {
  date: new Date().toISOString(),
  machine: { cpus: THREADS, model: cpus()[0]?.model ?? null, node: process.version },
  raw: raw ?? null,
  endToEnd: e2e ?? null,
  ingest,
  targets,
});
console.log(`wrote ${path.relative(process.cwd(), file)}`);
