/**
 * Faults on a real cluster (issue 5, "Bad input and faults — nothing lost"): 1 api, 2 workers and 1
 * recognizer as child processes on PostgreSQL + RabbitMQ, PostgreSQL + NATS JetStream and MariaDB +
 * RabbitMQ (issue 19: the claims and the polled event bus of MySQL/MariaDB under the same faults); the
 * workers reach the broker through an in-test TCP proxy and the recognizer through RECOGNIZER_URL.
 * While 200 lfw-dev photos go through, in sequence: a worker is killed -9 and replaced, the recognizer
 * is stopped for 15 s and restarted, the broker connection is cut for a few seconds, and poison
 * messages are published straight to the queue. At the end every photo is `processed` exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ApiClient, type IngestJson, signInAsAdmin } from '../helpers/api-client.ts';
import { type Broker, type BrokerAdmin, NATS, RABBITMQ } from '../helpers/broker-admin.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import {
  freePort,
  metricSample,
  startRecognizerProcess,
  startWorkerProcess,
  until,
} from '../helpers/cluster.ts';
import { lfwUploads } from '../helpers/faces.ts';
import {
  MARIADB_SERVER,
  POSTGRES_SERVER,
  type ServerDatabase,
  type TestDatabase,
} from '../helpers/server-databases.ts';
import { uniqueName } from '../helpers/servers.ts';
import { SseClient } from '../helpers/sse-client.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const PHOTOS = 200;
const RECOGNIZER_OUTAGE_MS = 15_000;
const BROKER_CUT_MS = 3_000;
const SECRET = 'cluster-faults-recognizer-secret';

interface Counts {
  pending: number;
  processing: number;
  processed: number;
  failed: number;
}

function describeClusterFaults(broker: Broker, database: ServerDatabase): void {
  describeWithFaces(
    `cluster faults on ${database.name} + ${broker.label}: nothing lost, nothing twice`,
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'faceflow-cluster-faults-'));
      const queueName = uniqueName('ff_faults');
      let schema: TestDatabase;
      let proxy: TcpProxy;
      let admin: BrokerAdmin;
      let recognizerPort: number;
      let recognizer: ChildServer;
      let api: ChildServer;
      /** The workers now running (a killed one is replaced in place). */
      const workers: ChildServer[] = [];
      /** Every worker process started, the killed one included (its log lines count too). */
      const everyWorker: ChildServer[] = [];
      let client: ApiClient;
      let sse: SseClient;
      let ids: string[] = [];

      const common = () => ({
        DATABASE_URL: schema.url,
        QUEUE_URL: broker.url,
        QUEUE_NAME: queueName,
        DATA_DIR: dir,
        JOB_LEASE_MS: '5000',
      });
      const startRecognizer = () => startRecognizerProcess(recognizerPort, { RECOGNIZER_SECRET: SECRET });
      const startWorker = async () => {
        const target = new URL(broker.url);
        target.hostname = '127.0.0.1';
        target.port = String(proxy.port);
        const worker = await startWorkerProcess({
          ...common(),
          QUEUE_URL: target.toString(),
          WORKER_CONCURRENCY: '2',
          LOG_LEVEL: 'info',
          RECOGNIZER_URL: `http://127.0.0.1:${recognizerPort}`,
          RECOGNIZER_SECRET: SECRET,
          RECOGNIZER_TIMEOUT_MS: '10000',
          RECOGNIZER_BREAKER_OPEN_MS: '2000',
        });
        everyWorker.push(worker);
        return worker;
      };
      const counts = async () =>
        (await client.json<{ counts: Counts }>('GET', '/api/images/counts')).body.counts;
      const processedAtLeast = (n: number, timeoutMs = 120_000) =>
        until(
          `${n} photos processed`,
          async () => {
            const now = await counts();
            return now.processed >= n ? now : null;
          },
          timeoutMs,
        );
      const workerLogs = () => everyWorker.map((w) => w.output()).join('\n');

      beforeAll(async () => {
        schema = await database.create();
        const target = new URL(broker.url);
        proxy = await TcpProxy.start(target.hostname, Number(target.port || broker.defaultPort));
        recognizerPort = await freePort();
        recognizer = await startRecognizer();
        // The api migrates the schema and declares the queue before any worker looks at them.
        api = await startChildServer({ ...common(), PORT: '0' }, ['api']);
        admin = await broker.admin(queueName);
        workers.push(...(await Promise.all([startWorker(), startWorker()])));
        client = await signInAsAdmin(api.url, common());
        sse = await SseClient.connect(`${api.url}/api/events`, undefined, client.authHeaders());
      });

      afterAll(async () => {
        // FAULTS_LOG_DIR=<dir>: keep every process's output there (to look into a failure).
        const logDir = process.env.FAULTS_LOG_DIR;
        if (logDir) {
          mkdirSync(logDir, { recursive: true });
          const named = [
            ['api', api],
            ['recognizer', recognizer],
            ...everyWorker.map((w, i) => [`worker-${i}`, w]),
          ];
          for (const [name, p] of named as [string, ChildServer | undefined][])
            if (p) writeFileSync(join(logDir, `${queueName}-${name}.log`), p.output());
        }
        await sse?.close();
        await Promise.all([...everyWorker, api, recognizer].map((p) => killIfRunning(p)));
        await admin?.close();
        await proxy?.close();
        await schema?.drop();
        rmSync(dir, { recursive: true, force: true });
      });

      it(`takes ${PHOTOS} photos and survives a worker killed -9 mid-run`, async () => {
        const res = await client.upload<IngestJson>('/api/images', lfwUploads(0, PHOTOS));
        expect(res.status).toBe(201);
        expect(res.body.rejected).toEqual([]);
        ids = res.body.images.map((i) => i.id);
        expect(new Set(ids).size).toBe(PHOTOS);

        const before = await processedAtLeast(10);
        expect(before.processed).toBeLessThan(PHOTOS);
        const victim = workers[0] as ChildServer;
        victim.child.kill('SIGKILL');
        expect(await victim.exited).toBe('SIGKILL');
        workers[0] = await startWorker();
        const after = await processedAtLeast(before.processed + 10);
        expect(after.failed).toBe(0);
      });

      it(`with the recognizer stopped for ${RECOGNIZER_OUTAGE_MS / 1000} s the breaker opens and no photo fails`, async () => {
        const stoppedAt = Date.now();
        recognizer.child.kill('SIGKILL');
        await recognizer.exited;
        const breakerOpen = async () => {
          const states = await Promise.all(
            workers.map((w) => metricSample(w.url, 'faceflow_recognizer_breaker_state{state="open"}')),
          );
          return states.some((s) => s === 1) ? true : null;
        };
        await until('a worker breaker to open', breakerOpen, RECOGNIZER_OUTAGE_MS);
        await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + RECOGNIZER_OUTAGE_MS - Date.now())));
        const during = await counts();
        expect(during.failed).toBe(0);
        expect(during.processed).toBeLessThan(PHOTOS);

        recognizer = await startRecognizer();
        await processedAtLeast(during.processed + 10, 60_000);
        expect(workerLogs()).toMatch(/recognizer circuit breaker opened/);
        for (const worker of workers)
          await until(
            'the breaker to close again',
            async () =>
              (await metricSample(worker.url, 'faceflow_recognizer_breaker_state{state="closed"}')) === 1
                ? true
                : null,
            30_000,
          );
        expect(workerLogs()).toMatch(/recognizer circuit breaker closed/);
        expect((await counts()).failed).toBe(0);
      });

      it('workers reconnect after the broker connection is cut, and go on', async () => {
        const before = await counts();
        expect(before.processed).toBeLessThan(PHOTOS);
        const logOffsets = workers.map((w) => w.output().length);
        await proxy.cut(BROKER_CUT_MS);
        for (const [i, worker] of workers.entries())
          await until(
            `worker ${i} to reconnect`,
            async () => (broker.restored.test(worker.output().slice(logOffsets[i])) ? true : null),
            30_000,
          );
        const after = await processedAtLeast(before.processed + 5, 60_000);
        expect(after.failed).toBe(0);
      });

      it('dead-letters poison messages on the queue with a log line, and keeps processing', async () => {
        await admin.publishRaw(randomBytes(64));
        await admin.publishRaw(
          new TextEncoder().encode(JSON.stringify({ kind: 'process_image', imageId: 'no-such-image' })),
        );
        await until(
          'two dead-lettered messages',
          async () => ((await admin.deadLettered()) >= 2 ? true : null),
          90_000,
        );
        const logs = workerLogs();
        expect(logs).toMatch(/undecodable message dead-lettered/);
        expect(logs).toMatch(
          /unknown image no-such-image.*job dead-lettered|job dead-lettered.*unknown image no-such-image/,
        );
        for (const worker of workers) expect(worker.child.exitCode).toBeNull();
      });

      it('ends with every photo processed exactly once: no duplicate faces, nothing pending or failed', async () => {
        await processedAtLeast(PHOTOS, 120_000);
        expect(await counts()).toEqual({ pending: 0, processing: 0, processed: PHOTOS, failed: 0 });
        // Poison is not retried forever: exactly the two dead-lettered, nothing else, and nothing keeps
        // coming back on the work queue (a message of the killed worker may still wait out a lease).
        expect(await admin.deadLettered()).toBe(2);
        await until(
          'the work queue to drain',
          async () => ((await admin.queued()) === 0 ? true : null),
          30_000,
        );
        expect(await admin.deadLettered()).toBe(2);

        const db = await schema.reader();
        try {
          const perImage = await db.rows<{ image_id: string; n: unknown; d: unknown; m: unknown }>(
            'select image_id, count(*) as n, count(distinct face_index) as d, max(face_index) as m from faces group by image_id',
          );
          // Most lfw photos have a face; a few may have none, none may have more rows than indexes.
          expect(perImage.length).toBeGreaterThanOrEqual(PHOTOS - 10);
          for (const row of perImage) {
            expect(Number(row.n)).toBe(Number(row.d));
            expect(Number(row.m)).toBe(Number(row.n) - 1);
          }
          const images = await db.rows<{
            status: string;
            last_error: string | null;
            lease_owner: string | null;
          }>('select status, last_error, lease_owner from images');
          expect(images).toHaveLength(PHOTOS);
          for (const image of images)
            expect(image).toEqual({ status: 'processed', last_error: null, lease_owner: null });
          expect(await db.rows('select id from outbox')).toEqual([]);
        } finally {
          await db.close();
        }

        // Exactly once: each photo was reported processed once, whichever worker took it.
        const processedEvents = new Map<string, number>();
        for (const event of sse.events) {
          const data = event.data as { id?: string; status?: string };
          if (event.event === 'image' && data.status === 'processed' && data.id)
            processedEvents.set(data.id, (processedEvents.get(data.id) ?? 0) + 1);
        }
        for (const id of ids) expect(processedEvents.get(id), id).toBe(1);
      });
    },
  );
}

describeClusterFaults(RABBITMQ, POSTGRES_SERVER);
describeClusterFaults(NATS, POSTGRES_SERVER);
describeClusterFaults(RABBITMQ, MARIADB_SERVER);
