/**
 * Tracing across processes (issue 19, part 4): api, worker and recognizer as separate processes export
 * their spans over OTLP/HTTP to a receiver in this test. One upload must give one trace that runs from
 * the upload through the queue (embedded rows; RabbitMQ headers), the worker, the Connect call and the
 * recognizer to the store, with the parent of each span where it belongs, and the worker's log lines
 * for the photo must carry that trace's ids.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../browser/support/browser.ts';
import { signInThroughPage } from '../browser/support/sign-in.ts';
import {
  type ApiClient,
  type ImageJson,
  type IngestJson,
  signInAsAdmin,
  TEST_ADMIN,
} from '../helpers/api-client.ts';
import { type BrokerAdmin, RABBITMQ } from '../helpers/broker-admin.ts';
import { type ChildServer, killIfRunning, startChildServer } from '../helpers/child-server.ts';
import { freePort, startRecognizerProcess, startWorkerProcess, until } from '../helpers/cluster.ts';
import { orl } from '../helpers/faces.ts';
import { OtlpReceiver, type ReceivedSpan, SPAN_KIND } from '../helpers/otlp-receiver.ts';
import { createTestSchema, uniqueName } from '../helpers/servers.ts';
import { describeWithFaces } from '../support/shared-faces.ts';

const SECRET = 'tracing-test-recognizer-secret';

interface Setup {
  label: string;
  /** The store and queue the api and the worker share; `dir` is their DATA_DIR. */
  env(dir: string): Promise<Record<string, string>>;
  /** Whether the store is PostgreSQL (its queries then show up as pg spans under the worker's). */
  postgres: boolean;
  /** Also open the photo's page in Chromium and read the trace id there. */
  browser: boolean;
  cleanup?(): Promise<void>;
}

function one(spans: ReceivedSpan[], what: string, match: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  expect(found, `${what}: ${JSON.stringify(spans.map((s) => [s.service, s.name, s.kind]))}`).toHaveLength(1);
  return found[0] as ReceivedSpan;
}

function describeTracedUpload(setup: Setup): void {
  describeWithFaces(`one trace per photo across api, worker and recognizer (${setup.label})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-tracing-'));
    let receiver: OtlpReceiver;
    let recognizer: ChildServer;
    let api: ChildServer;
    let worker: ChildServer;
    let client: ApiClient;

    beforeAll(async () => {
      receiver = await OtlpReceiver.start();
      const tracing = {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Spans leave each process within 100 ms (the SDK's default is 5 s).
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
      recognizer = await startRecognizerProcess(await freePort(), { ...tracing, RECOGNIZER_SECRET: SECRET });
      const shared = {
        ...(await setup.env(dir)),
        ...tracing,
        DATA_DIR: dir,
        RECOGNIZER_URL: recognizer.url,
        RECOGNIZER_SECRET: SECRET,
      };
      api = await startChildServer({ ...shared, PORT: '0' }, ['api']);
      worker = await startWorkerProcess({ ...shared, WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info' });
      client = await signInAsAdmin(api.url, shared);
    }, 180_000);

    afterAll(async () => {
      for (const p of [api, worker, recognizer]) await killIfRunning(p);
      await receiver?.close();
      await setup.cleanup?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('links upload → publish → worker → recognizer call → store in one trace, and the logs carry its ids', async () => {
      const uploaded = await client.upload<IngestJson>('/api/images', [
        { name: 'traced.pgm', bytes: orl(5, 1) },
      ]);
      expect(uploaded.status).toBe(201);
      const id = uploaded.body.images[0]?.id as string;
      const photo = await client.waitFor<ImageJson & { traceId: string | null }>(
        `/api/images/${id}`,
        (image) => image.status === 'processed',
        90_000,
      );
      expect(photo.faces).toHaveLength(1);
      expect(photo.traceId).toMatch(/^[0-9a-f]{32}$/);
      const traceId = photo.traceId as string;

      // Spans leave each process in batches: wait for the last ones to end (the consumer span, after the
      // store span and the grouping; the recognizer's server span).
      const spans = await until(
        'the spans of the photo from all three processes',
        async () => {
          const trace = receiver.trace(traceId);
          const names = new Set(trace.map((s) => `${s.service} ${s.name}`));
          const complete = [
            'faceflow-worker process_image process',
            'faceflow-worker photo faces store',
            'faceflow-recognizer faceflow.v1.Recognizer/Embed',
          ].every((name) => names.has(name));
          return complete ? trace : null;
        },
        30_000,
      );
      expect(receiver.refused).toEqual([]);
      expect(new Set(spans.map((s) => s.service))).toEqual(
        new Set(['faceflow-api', 'faceflow-worker', 'faceflow-recognizer']),
      );

      const ingest = one(spans, 'the ingest span', (s) => s.name === 'photo ingest');
      const publish = one(spans, 'the publish span', (s) => s.name === 'process_image publish');
      const consume = one(spans, 'the consumer span', (s) => s.name === 'process_image process');
      const call = one(
        spans,
        'the recognizer call',
        (s) =>
          s.service === 'faceflow-worker' &&
          s.kind === SPAN_KIND.client &&
          s.name.startsWith('faceflow.v1.Recognizer/'),
      );
      const served = one(
        spans,
        'the recognizer serving it',
        (s) => s.service === 'faceflow-recognizer' && s.kind === SPAN_KIND.server,
      );
      const store = one(spans, 'the store span', (s) => s.name === 'photo faces store');

      // Parent / child order: each span hangs under the one before it (the ingest span may sit below
      // Fastify's request span, itself below the HTTP server span).
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
        const chain: ReceivedSpan[] = [];
        for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId)) chain.push(p);
        return chain;
      };
      expect(ingest.service).toBe('faceflow-api');
      // The trace starts at the api's HTTP server span of POST /api/images (the HTTP instrumentation).
      const root = ancestors(ingest).at(-1);
      expect(root).toMatchObject({ service: 'faceflow-api', kind: SPAN_KIND.server, parentSpanId: '' });
      expect(root?.attributes['http.request.method'] ?? root?.attributes['http.method']).toBe('POST');
      expect(publish.kind).toBe(SPAN_KIND.producer);
      expect(publish.parentSpanId).toBe(ingest.spanId);
      expect(consume.service).toBe('faceflow-worker');
      expect(consume.kind).toBe(SPAN_KIND.consumer);
      expect(consume.parentSpanId).toBe(publish.spanId);
      expect(ancestors(call)).toContain(consume);
      expect(served.parentSpanId).toBe(call.spanId);
      expect(store.service).toBe('faceflow-worker');
      expect(store.parentSpanId).toBe(consume.spanId);
      // Nothing of the photo's way landed in another trace.
      const elsewhere = receiver.spans.filter(
        (s) =>
          s.traceId !== traceId &&
          ['photo ingest', 'process_image publish', 'process_image process'].includes(s.name),
      );
      expect(elsewhere).toEqual([]);
      if (setup.postgres) {
        // The pg instrumentation's spans of the worker's statements hang under its consumer span.
        const queries = spans.filter((s) => s.service === 'faceflow-worker' && s.name.startsWith('pg.query'));
        expect(queries.length).toBeGreaterThan(0);
        for (const query of queries) expect(ancestors(query)).toContain(consume);
      }

      // The worker's log line for the photo names the trace and the consumer span it was written in.
      const processed = worker
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.msg === 'photo processed' && entry.imageId === id);
      expect(processed).toMatchObject({ trace_id: traceId, span_id: consume.spanId });

      if (setup.browser) {
        // The photo's page shows the trace id, to paste into the tracing backend.
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await signInThroughPage(page, api.url, TEST_ADMIN);
          await page.goto(`${api.url}/photos/${id}`);
          expect(await page.getByTestId('trace-id').textContent()).toBe(traceId);
        } finally {
          await browser.close();
        }
      }
    }, 150_000);
  });
}

describeTracedUpload({
  label: 'SQLite, embedded queue',
  postgres: false,
  browser: true,
  env: async () => ({}),
});

let schema: Awaited<ReturnType<typeof createTestSchema>> | undefined;
let broker: BrokerAdmin | undefined;
describeTracedUpload({
  label: 'PostgreSQL, RabbitMQ',
  postgres: true,
  browser: false,
  async env() {
    const queueName = uniqueName('ff_tracing');
    schema = await createTestSchema();
    broker = await RABBITMQ.admin(queueName);
    return { DATABASE_URL: schema.url, QUEUE_URL: RABBITMQ.url, QUEUE_NAME: queueName };
  },
  async cleanup() {
    await broker?.close();
    await schema?.drop();
  },
});
