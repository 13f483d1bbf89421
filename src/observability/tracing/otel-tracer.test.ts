import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { newImageRow } from '../../../test/helpers/image-rows.ts';
import { EmbeddedJobQueue } from '../../adapters/queue-embedded/job-queue.embedded.ts';
import { sqlPhotoStores } from '../../adapters/sql/sql-stores.ts';
import { openSqlite } from '../../adapters/sqlite/sqlite-database.ts';
import { OutboxRelay } from '../../app/outbox-relay.ts';
import { QueueWorker } from '../../app/worker.ts';
import { traceIdOf } from '../../core/trace-context.ts';
import { systemClock } from '../../ports/clock.ts';
import type { ReceivedJob } from '../../ports/job-queue.ts';
import { silentLogger } from '../../ports/logger.ts';
import { createLogger } from '../logger.ts';
import { currentTraceFields, OtelTracer } from './otel-tracer.ts';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
afterAll(() => provider.shutdown());

const tracer = new OtelTracer('faceflow-test');
const REMOTE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const finished = () => exporter.getFinishedSpans();
const named = (name: string) => finished().find((s) => s.name === name) as ReadableSpan;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

beforeEach(() => exporter.reset());

describe('OtelTracer (the Tracer port on OpenTelemetry)', () => {
  it('continues a remote carrier, nests spans started inside, and hands on its own context', async () => {
    let carrier: Record<string, string> | null = null;
    await tracer.inSpan('outer', { kind: 'consumer', parent: { traceparent: REMOTE } }, async (span) => {
      carrier = { ...span.carrier };
      await tracer.inSpan('inner', {}, async () => {});
    });
    const outer = named('outer');
    const inner = named('inner');
    expect(outer.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parentOf(outer)).toBe('00f067aa0ba902b7');
    expect(outer.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(inner)).toBe(outer.spanContext().spanId);
    expect(traceIdOf(carrier)).toBe(outer.spanContext().traceId);
    expect((carrier as unknown as { traceparent: string }).traceparent).toContain(outer.spanContext().spanId);
  });

  it('a remote parent wins over the span current in the process', async () => {
    await tracer.inSpan('current', {}, () =>
      tracer.inSpan('remote-child', { parent: { traceparent: REMOTE } }, async () => {}),
    );
    expect(named('remote-child').spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(named('current').spanContext().traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('marks a span whose work threw as failed, and rethrows', async () => {
    await expect(
      tracer.inSpan('failing', {}, async () => {
        throw new Error('engine down');
      }),
    ).rejects.toThrow('engine down');
    const span = named('failing');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.map((e) => e.name)).toContain('exception');
  });

  it('startSpan is not current, and ends once', async () => {
    const span = tracer.startSpan('detached', { kind: 'producer', parent: { traceparent: REMOTE } });
    expect(currentTraceFields()).toEqual({});
    span.end();
    span.end(new Error('late'));
    expect(finished()).toHaveLength(1);
    expect(named('detached').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('log lines written inside a span carry its trace_id and span_id, outside none', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger('info', 'test', stream, currentTraceFields);
    log.info({}, 'outside');
    await tracer.inSpan('logged', {}, async () => log.info({ imageId: 'img_1' }, 'inside'));
    const span = named('logged').spanContext();
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ msg: 'inside', trace_id: span.traceId, span_id: span.spanId });
  });
});

describe('a photo job through the outbox and the embedded queue keeps its trace', () => {
  it('ingest carrier → producer span per job → consumer span under it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-trace-queue-'));
    const handle = await openSqlite(join(dir, 'db.sqlite'));
    try {
      const stores = sqlPhotoStores(handle.db);
      const queue = new EmbeddedJobQueue(handle.db, systemClock);
      const traced = await tracer.inSpan('photo ingest', {}, (span) =>
        stores.images.createImage(newImageRow('traced', { trace: span.carrier }), Date.now()),
      );
      await stores.images.createImage(newImageRow('untraced'), Date.now());
      expect(traced.image.traceId).toBe(named('photo ingest').spanContext().traceId);
      expect((await stores.images.getImage(traced.image.id))?.traceId).toBe(traced.image.traceId);

      expect(await new OutboxRelay(stores.outbox, queue, silentLogger, tracer).drain()).toBe(2);
      const seen: ReceivedJob[] = [];
      const worker = new QueueWorker({
        queue,
        log: silentLogger,
        consumer: 'w',
        concurrency: 2,
        leaseMs: 5000,
        pollMs: 10,
        tracer,
        handler: {
          async handle(job) {
            seen.push(job);
            return { kind: 'ack' };
          },
        },
      });
      worker.start();
      const deadline = Date.now() + 5000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await worker.stop();

      const ingest = named('photo ingest');
      const publishes = finished().filter((s) => s.name === 'process_image publish');
      expect(publishes).toHaveLength(1); // the untraced job publishes without a span
      const publish = publishes[0] as ReadableSpan;
      expect(publish.kind).toBe(SpanKind.PRODUCER);
      expect(parentOf(publish)).toBe(ingest.spanContext().spanId);
      const consumers = finished().filter((s) => s.name === 'process_image process');
      expect(consumers).toHaveLength(2);
      const consumer = consumers.find((s) => s.spanContext().traceId === ingest.spanContext().traceId);
      expect(consumer?.kind).toBe(SpanKind.CONSUMER);
      expect(consumer && parentOf(consumer)).toBe(publish.spanContext().spanId);
      // The other job had no trace: its consumer span is a root of its own.
      const other = consumers.find((s) => s !== consumer) as ReadableSpan;
      expect(parentOf(other)).toBeUndefined();
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
