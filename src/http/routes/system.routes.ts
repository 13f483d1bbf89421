import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recentRejectedUploads } from '../../app/rejected-uploads.ts';
import { livenessOf } from '../../app/worker-heartbeat.ts';
import { IMAGE_STATUSES } from '../../core/image-status.ts';
import { imageJson, imageSchema, searchQuery } from '../schemas.ts';
import type { HttpDeps } from '../server.ts';
import { ThroughputTracker } from '../throughput.ts';

const countsSchema = z.object(
  Object.fromEntries(IMAGE_STATUSES.map((s) => [s, z.number()])) as Record<
    (typeof IMAGE_STATUSES)[number],
    z.ZodNumber
  >,
);

const workerSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number(),
  role: z.string(),
  engineThreads: z.number(),
  threadsBusy: z.number(),
  jobsInHand: z.number(),
  concurrency: z.number(),
  breakerState: z.enum(['closed', 'half_open', 'open']).nullable(),
  startedAt: z.string(),
  lastSeen: z.string(),
  /** `gone`: 3 beats missed (killed, or its machine is unreachable). */
  state: z.enum(['alive', 'gone']),
});

/** Every worker process that wrote a heartbeat, with whether it still beats. */
async function workersOf(deps: HttpDeps, now: number): Promise<z.infer<typeof workerSchema>[]> {
  const beats = (await deps.workers?.list()) ?? [];
  return beats.map(({ intervalMs, startedAt, lastSeen, ...rest }) => ({
    ...rest,
    startedAt: new Date(startedAt).toISOString(),
    lastSeen: new Date(lastSeen).toISOString(),
    state: livenessOf({ lastSeen, intervalMs }, now),
  }));
}

const systemSchema = z.object({
  images: countsSchema,
  queue: z.object({ ready: z.number(), inFlight: z.number(), delayed: z.number() }).nullable(),
  engine: z.object({
    threads: z.number(),
    busy: z.number(),
    queuedInteractive: z.number(),
    queuedBatch: z.number(),
    wasmHeapBytes: z.number().optional(),
    runtime: z.enum(['onnx', 'wasm']).optional(),
  }),
  throughput: z.object({
    bucketSeconds: z.number(),
    since: z.string(),
    processed: z.array(z.number()),
    failed: z.array(z.number()),
  }),
  failures: z.array(imageSchema),
  /** Files refused at upload or import (never stored), newest first. */
  rejectedUploads: z.array(
    z.object({
      file: z.string(),
      error: z.object({ code: z.string(), message: z.string() }),
      at: z.string(),
      more: z.number(),
    }),
  ),
  workers: z.array(workerSchema),
});

/** Reads the queue depth gauge (which asks the queue when collected); null when this process has no queue. */
async function queueDepth(deps: HttpDeps): Promise<z.infer<typeof systemSchema>['queue']> {
  const gauge = deps.metrics.registry.getSingleMetric('faceflow_queue_depth');
  if (!gauge) return null;
  const { values } = await gauge.get();
  const read = (state: string) => values.find((v) => v.labels.state === state)?.value ?? 0;
  return { ready: read('ready'), inFlight: read('in_flight'), delayed: read('delayed') };
}

/** What the UI's Photos counts and System page show: counts by status, queue, engine, throughput, failures. */
export function registerSystemRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const throughput = new ThroughputTracker(10, 60);
  const subscription = deps.events.subscribe((event) => throughput.observe(event));
  app.addHook('onClose', async () => subscription.unsubscribe());

  r.get(
    '/api/images/counts',
    {
      schema: {
        summary:
          'How many photos are in each status (of those of `person` whose name contains `q`, when given)',
        tags: ['images'],
        querystring: z.object({ person: z.string().max(100).optional(), q: searchQuery }),
        response: { 200: z.object({ counts: countsSchema, total: z.number() }) },
      },
    },
    async (request) => {
      const { person, q } = request.query;
      const counts = await deps.stores.images.countByStatus({ personId: person, search: q });
      return { counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
    },
  );

  r.get(
    '/api/system',
    {
      schema: {
        summary:
          'Operator view: photos by status, queue depth, engine threads busy, photos finished per 10 s over the last 10 minutes, latest failures, files refused at upload, worker processes (from their heartbeats)',
        tags: ['system'],
        response: { 200: systemSchema },
      },
    },
    async () => {
      const [images, queue, failed, workers, rejected] = await Promise.all([
        deps.stores.images.countByStatus(),
        queueDepth(deps),
        deps.stores.images.listImages({ status: 'failed', limit: 20 }),
        workersOf(deps, Date.now()),
        recentRejectedUploads(deps.audit, 20),
      ]);
      const series = throughput.series(Date.now());
      return {
        images,
        queue,
        engine: deps.engine.stats(),
        throughput: { ...series, since: new Date(series.since).toISOString() },
        failures: failed.items.map(imageJson),
        rejectedUploads: rejected.map(({ file, code, message, at, more }) => ({
          file,
          error: { code, message },
          at: new Date(at).toISOString(),
          more,
        })),
        workers,
      };
    },
  );
}
