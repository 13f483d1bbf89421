/**
 * npm run bench:cluster [-- --photos 300]
 * Photos/s for a seeded sample of lfw-dev photos through the HTTP API until every one is finished, on
 * one machine, with 1 and with 2 worker processes of one engine thread each:
 *  - embedded (`faceflow all` on SQLite; its second worker is a `faceflow worker` on the same file),
 *  - PostgreSQL + RabbitMQ and PostgreSQL + NATS JetStream (`faceflow api` + `faceflow worker`s),
 *  - PostgreSQL + RabbitMQ with the workers calling a `faceflow recognizer` over Connect (as many engine
 *    threads as workers) instead of their in-process engine.
 * Every run starts fresh processes and its own database/queue, warms up on a few other photos, then times
 * upload to last photo finished. Ratios are against the embedded single process of the same run.
 * Targets (issue 5): brokers + PostgreSQL ≥ 0.90× embedded, remote recognizer ≥ 0.85× in-process.
 * Prints a table; writes bench/results/cluster.json (cluster-<n>.json for another --photos).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { type ApiClient, signInAsAdmin } from '../test/helpers/api-client.ts';
import { type Broker, NATS, RABBITMQ } from '../test/helpers/broker-admin.ts';
import { type ChildServer, startChildServer } from '../test/helpers/child-server.ts';
import { freePort, startRecognizerProcess, startWorkerProcess } from '../test/helpers/cluster.ts';
import { createTestSchema, uniqueName } from '../test/helpers/servers.ts';
import { option, table, writeResult } from './lib/bench-io.ts';
import { LFW_DEV, lfwSample } from './lib/lfw-sample.ts';

const DEFAULT_PHOTOS = 300;
const args = process.argv.slice(2);
const PHOTOS = Number(option(args, 'photos') ?? DEFAULT_PHOTOS);
const SECRET = 'bench-cluster-recognizer-secret';

interface Setup {
  name: string;
  workers: 1 | 2;
  broker: Broker | null;
  remoteRecognizer: boolean;
}

interface Measured extends Setup {
  photos: number;
  seconds: number;
  photosPerSecond: number;
  failed: number;
}

interface Upload {
  name: string;
  bytes: Uint8Array;
}

const setups: Setup[] = [1, 2].flatMap((workers) =>
  (
    [
      { name: 'embedded', broker: null, remoteRecognizer: false },
      { name: 'PostgreSQL + RabbitMQ', broker: RABBITMQ, remoteRecognizer: false },
      { name: 'PostgreSQL + NATS', broker: NATS, remoteRecognizer: false },
      { name: 'PostgreSQL + RabbitMQ, recognizer over Connect', broker: RABBITMQ, remoteRecognizer: true },
    ] as const
  ).map((s) => ({ ...s, workers: workers as 1 | 2 })),
);

async function countsOf(api: ApiClient): Promise<{ processed: number; failed: number }> {
  const res = await api.json<{ counts: { processed: number; failed: number } }>('GET', '/api/images/counts');
  return res.body.counts;
}

/** Uploads in batches of 10 and waits (polling twice a second) until `total` photos are finished. */
async function uploadAndWait(api: ApiClient, files: Upload[], total: number): Promise<number> {
  for (let i = 0; i < files.length; i += 10) {
    const res = await api.upload('/api/images', files.slice(i, i + 10));
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const { processed, failed } = await countsOf(api);
    if (processed + failed >= total) return failed;
    if (Date.now() > deadline) throw new Error(`only ${processed + failed} of ${total} photos finished`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Starts the processes of `setup`, warms them up on `warmup`, then times `photos`. */
async function measure(setup: Setup, warmup: Upload[], photos: Upload[]): Promise<Measured> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faceflow-bench-cluster-'));
  const queueName = uniqueName('ff_bench');
  const schema = setup.broker ? await createTestSchema() : null;
  const admin = setup.broker ? await setup.broker.admin(queueName) : null;
  const processes: ChildServer[] = [];
  try {
    const env: Record<string, string> = { DATA_DIR: dir, ENGINE_THREADS: '1', LOG_LEVEL: 'warn' };
    if (schema && setup.broker)
      Object.assign(env, { DATABASE_URL: schema.url, QUEUE_URL: setup.broker.url, QUEUE_NAME: queueName });
    const workerEnv = { ...env };
    if (setup.remoteRecognizer) {
      const port = await freePort();
      processes.push(
        await startRecognizerProcess(port, {
          RECOGNIZER_SECRET: SECRET,
          ENGINE_THREADS: String(setup.workers),
        }),
      );
      Object.assign(workerEnv, { RECOGNIZER_URL: `http://127.0.0.1:${port}`, RECOGNIZER_SECRET: SECRET });
    }
    // Embedded: `faceflow all` is the api and the first worker; on a broker the api processes nothing.
    const front = await startChildServer({ ...env, PORT: '0' }, [setup.broker ? 'api' : 'all'], 120_000);
    processes.push(front);
    const workers = setup.broker ? setup.workers : setup.workers - 1;
    processes.push(
      ...(await Promise.all(Array.from({ length: workers }, () => startWorkerProcess(workerEnv)))),
    );
    const api = await signInAsAdmin(front.url, env);
    await uploadAndWait(api, warmup, warmup.length);
    const started = performance.now();
    const failed = await uploadAndWait(api, photos, warmup.length + photos.length);
    const seconds = (performance.now() - started) / 1000;
    return { ...setup, photos: photos.length, seconds, photosPerSecond: photos.length / seconds, failed };
  } finally {
    for (const p of processes.reverse()) {
      if (p.child.exitCode === null) p.child.kill('SIGTERM');
      await p.exited;
    }
    await admin?.close();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sample = await lfwSample(PHOTOS + 8, false);
const uploads = sample.photos.map((p) => ({
  name: p.replaceAll('/', '_'),
  bytes: new Uint8Array(readFileSync(path.join(LFW_DEV, p))),
}));
const warmup = uploads.slice(0, 8);
const photos = uploads.slice(8);
console.error(
  `bench:cluster: ${photos.length} lfw-dev photos (+${warmup.length} warm-up), ${availableParallelism()} cores`,
);

const results: Measured[] = [];
for (const setup of setups) {
  console.error(`  ${setup.name}, ${setup.workers} worker${setup.workers > 1 ? 's' : ''}…`);
  // The warm-up needs a photo per worker thread at least; 2 workers share the 8.
  results.push(await measure(setup, warmup.slice(0, 4 * setup.workers), photos));
}

const baseline = results.find((r) => r.broker === null && r.workers === 1) as Measured;
const find = (name: string, workers: number) =>
  results.find((r) => r.name === name && r.workers === workers) as Measured;
const f = (x: number, d = 2) => x.toFixed(d);
console.log(
  table(
    ['run', 'workers', 'photos', 'failed', 'seconds', 'photos/s', 'vs embedded 1'],
    results.map((r) => [
      r.name,
      r.workers,
      r.photos,
      r.failed,
      f(r.seconds, 1),
      f(r.photosPerSecond),
      f(r.photosPerSecond / baseline.photosPerSecond),
    ]),
  ),
);
const ratios: Record<string, number> = {};
for (const workers of [1, 2]) {
  const embedded = find('embedded', workers);
  const rabbit = find('PostgreSQL + RabbitMQ', workers);
  const nats = find('PostgreSQL + NATS', workers);
  const remote = find('PostgreSQL + RabbitMQ, recognizer over Connect', workers);
  ratios[`rabbitmqVsEmbedded${workers}`] = rabbit.photosPerSecond / embedded.photosPerSecond;
  ratios[`natsVsEmbedded${workers}`] = nats.photosPerSecond / embedded.photosPerSecond;
  ratios[`connectVsInProcess${workers}`] = remote.photosPerSecond / rabbit.photosPerSecond;
}
const verdict = (value: number, target: number) =>
  `${f(value)}× (target ≥ ${target}: ${value >= target ? 'met' : 'NOT met'})`;
console.log('');
for (const workers of [1, 2]) {
  console.log(
    `${workers} worker${workers > 1 ? 's' : ''}: PostgreSQL+RabbitMQ vs embedded ${verdict(ratios[`rabbitmqVsEmbedded${workers}`] as number, 0.9)}; ` +
      `PostgreSQL+NATS vs embedded ${verdict(ratios[`natsVsEmbedded${workers}`] as number, 0.9)}; ` +
      `Connect vs in-process recognizer ${verdict(ratios[`connectVsInProcess${workers}`] as number, 0.85)}`,
  );
}
const file = await writeResult(photos.length === DEFAULT_PHOTOS ? 'cluster' : `cluster-${photos.length}`, {
  at: new Date().toISOString(),
  machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version },
  photos: photos.length,
  warmup: warmup.length,
  runs: results.map(({ broker, ...r }) => ({ ...r, broker: broker?.label ?? 'embedded' })),
  ratios,
  targets: { brokerVsEmbedded: 0.9, connectVsInProcess: 0.85 },
});
console.error(`written ${path.relative(process.cwd(), file)}`);
