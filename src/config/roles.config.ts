import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_GROUPING_POLICY } from '../core/face-grouping.ts';
import { authShape, checkAuthBinding, isLoopbackHost } from './auth.config.ts';
import { datasetUrlShape } from './dataset-url.config.ts';
import { intEnv, optionalEnv, parseConfig } from './env.ts';
import { checkTlsPair, hardeningShape } from './hardening.config.ts';
import { tracingShape } from './tracing.config.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** The gallery's nearest-neighbour index in api and worker processes (README "Search at scale"). */
const galleryIndexShape = {
  /** `exact`: flat float32 scan (identical answers, right for up to ~100,000 faces); `hnsw`: usearch graph over int8 codes. */
  GALLERY_INDEX: optionalEnv(z.enum(['exact', 'hnsw'])).transform((v) => v ?? 'exact'),
  /** HNSW candidates per query (ef): higher = better recall, slower. */
  GALLERY_INDEX_EF: optionalEnv(intEnv(10, 10_000)).transform((v) => v ?? 128),
  /** Folder (under DATA_DIR unless absolute) for index snapshots; unset = rebuild from the store at start. */
  GALLERY_INDEX_SNAPSHOTS: optionalEnv(z.string().min(1)),
  /** At most one snapshot per this many ms after changes. */
  GALLERY_INDEX_SNAPSHOT_EVERY_MS: optionalEnv(intEnv(1000, 86_400_000)).transform((v) => v ?? 300_000),
};

const storageShape = {
  /** Where the SQLite file and the photo blobs live. */
  DATA_DIR: optionalEnv(z.string()).transform((v) => resolve(v ?? './data')),
  DATABASE_URL: optionalEnv(
    z.string().refine((v) => /^(sqlite:|postgres(ql)?:\/\/|mysql:\/\/[^/?#]+\/[A-Za-z0-9_]{1,64}$)/.test(v), {
      message:
        'must be sqlite:<path>, postgres://user@host:port/database or mysql://user:password@host:port/database',
    }),
  ),
  /** Connections per process to PostgreSQL or MySQL/MariaDB (ignored for SQLite). */
  DATABASE_POOL_SIZE: optionalEnv(intEnv(1, 1000)).transform((v) => v ?? 10),
  /** Longest a single SQL statement (or, on MySQL/MariaDB, a lock wait) may run before it is cancelled. */
  DATABASE_STATEMENT_TIMEOUT_MS: optionalEnv(intEnv(100, 3_600_000)).transform((v) => v ?? 30_000),
  /** MySQL/MariaDB: how often each process reads the events table for other processes' events (their latency). */
  DATABASE_EVENTS_POLL_MS: optionalEnv(intEnv(20, 60_000)).transform((v) => v ?? 250),
  QUEUE_URL: optionalEnv(
    z.string().refine((v) => v === 'embedded:' || /^(amqps?|nats):\/\//.test(v), {
      message: 'must be embedded:, amqp://… (RabbitMQ) or nats://… (NATS JetStream)',
    }),
  ).transform((v) => v ?? 'embedded:'),
  /** RabbitMQ queue name / NATS JetStream stream name (the consumer is `faceflow-worker`). */
  QUEUE_NAME: optionalEnv(z.string().regex(/^[A-Za-z0-9._-]{1,200}$/)),
  LOG_LEVEL: optionalEnv(z.enum(LOG_LEVELS)).transform((v) => v ?? 'info'),
  /** `auto`: human-readable lines when stdout is a terminal, JSON otherwise (a pipe, a file, a container). */
  LOG_FORMAT: optionalEnv(z.enum(LOG_FORMATS)).transform((v) => v ?? 'auto'),
};

/** Where the engine runs its networks (ADR 0011): ONNX Runtime's CPU kernels when they load (`auto`), or always one of the two. */
const engineRuntime = optionalEnv(z.enum(['auto', 'onnx', 'wasm'])).transform((v) => v ?? 'auto');
/** Grouping of unknown faces into suggested people (docs/adr/0012). */
const groupingShape = {
  /** Average face-to-face distance within which faces group (Euclidean, L2-normalised embeddings). */
  GROUPING_THRESHOLD: optionalEnv(z.coerce.number().positive().max(2)).transform(
    (v) => v ?? DEFAULT_GROUPING_POLICY.threshold,
  ),
  /** Faces a group needs before it is shown as a suggested person. */
  GROUPING_MIN_FACES: optionalEnv(intEnv(1, 1000)).transform((v) => v ?? DEFAULT_GROUPING_POLICY.minFaces),
};

const workerShape = {
  ENGINE_THREADS: optionalEnv(intEnv(1, 256)),
  ENGINE_RUNTIME: engineRuntime,
  /** Jobs in hand at once; 0 pauses processing (ingest only). Default: 2 per engine thread. */
  WORKER_CONCURRENCY: optionalEnv(intEnv(0, 1024)),
  MATCH_THRESHOLD: optionalEnv(z.coerce.number().positive().max(4)),
  MAX_ATTEMPTS: optionalEnv(intEnv(1, 100)).transform((v) => v ?? 5),
  RETRY_BASE_MS: optionalEnv(intEnv(1, 3_600_000)).transform((v) => v ?? 1000),
  JOB_LEASE_MS: optionalEnv(intEnv(500, 3_600_000)).transform((v) => v ?? 30_000),
  /** How often a worker process writes its heartbeat row (the System page lists live workers). */
  WORKER_HEARTBEAT_MS: optionalEnv(intEnv(100, 3_600_000)).transform((v) => v ?? 5000),
};

/** The worker's (and recognizer's) own small HTTP server: /healthz, /readyz, /metrics. */
const metricsShape = {
  METRICS_PORT: optionalEnv(intEnv(0, 65_535)).transform((v) => v ?? 9464),
  /** 0.0.0.0 so a kubelet probe and Prometheus reach it on the pod IP. */
  METRICS_HOST: optionalEnv(z.string().min(1)).transform((v) => v ?? '0.0.0.0'),
};

/**
 * api and all: /healthz, /readyz and /metrics also on a port of their own, for a scrape that never goes
 * through the Ingress. Unset: no such server (nothing to collide with `faceflow all`'s PORT or a
 * worker's 9464 on the same machine). METRICS_HOST defaults to HOST: opting in never listens wider.
 */
const apiMetricsShape = {
  METRICS_PORT: optionalEnv(intEnv(0, 65_535)).transform((v) => v ?? null),
  METRICS_HOST: optionalEnv(z.string().min(1)),
};

function checkApiMetrics(
  c: { PORT: number; METRICS_PORT: number | null; METRICS_HOST?: string },
  ctx: z.RefinementCtx,
) {
  if (c.METRICS_PORT === null && c.METRICS_HOST !== undefined)
    ctx.addIssue({ code: 'custom', path: ['METRICS_HOST'], message: 'has no effect without METRICS_PORT' });
  if (c.METRICS_PORT !== null && c.METRICS_PORT !== 0 && c.METRICS_PORT === c.PORT)
    ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `must differ from PORT (${c.PORT})` });
}

function withApiMetricsDefaults<T extends { HOST: string; METRICS_HOST?: string }>(c: T) {
  return { ...c, METRICS_HOST: c.METRICS_HOST ?? c.HOST };
}

/** Where api and worker find the recognizer; unset: the in-process engine. */
const recognizerClientShape = {
  RECOGNIZER_URL: optionalEnv(
    z.string().refine((v) => /^https?:\/\/[^/\s]+\/?$/.test(v), {
      message: 'must be http://host:port (h2c) or https://host:port',
    }),
  ),
  /** Shared secret sent as `authorization: Bearer …` on every recognizer call. */
  RECOGNIZER_SECRET: optionalEnv(z.string().min(16)),
  /** Longest one recognizer call may take before it counts as a failure. */
  RECOGNIZER_TIMEOUT_MS: optionalEnv(intEnv(100, 600_000)).transform((v) => v ?? 30_000),
  /** Consecutive failed calls that open the circuit breaker, and how long it then stays open. */
  RECOGNIZER_BREAKER_FAILURES: optionalEnv(intEnv(1, 100)).transform((v) => v ?? 3),
  RECOGNIZER_BREAKER_OPEN_MS: optionalEnv(intEnv(100, 3_600_000)).transform((v) => v ?? 10_000),
  /** How often the host of RECOGNIZER_URL is resolved again to spread calls over every address (0: never). */
  RECOGNIZER_RESOLVE_INTERVAL_MS: optionalEnv(intEnv(0, 86_400_000)).transform((v) => v ?? 30_000),
  /** A recognizer connection older than this is replaced at the next re-resolution (0: never). */
  RECOGNIZER_MAX_CONNECTION_AGE_MS: optionalEnv(intEnv(0, 86_400_000)).transform((v) => v ?? 300_000),
};

/** Where api and worker find the `search` role (README "Search at scale"); unset: each holds its own index. */
const searchClientShape = {
  SEARCH_URL: optionalEnv(
    z.string().refine((v) => /^https?:\/\/[^/\s]+\/?$/.test(v), {
      message: 'must be http://host:port (h2c) or https://host:port',
    }),
  ),
  /** Shared secret sent as `authorization: Bearer …` on every search call. */
  SEARCH_SECRET: optionalEnv(z.string().min(16)),
  /** Longest one search call may take before it counts as a failure (then the local exact scan answers). */
  SEARCH_TIMEOUT_MS: optionalEnv(intEnv(50, 600_000)).transform((v) => v ?? 5000),
  /** Consecutive failed calls that open the circuit breaker, and how long it then stays open. */
  SEARCH_BREAKER_FAILURES: optionalEnv(intEnv(1, 100)).transform((v) => v ?? 3),
  SEARCH_BREAKER_OPEN_MS: optionalEnv(intEnv(100, 3_600_000)).transform((v) => v ?? 10_000),
};

const httpShape = {
  PORT: optionalEnv(intEnv(0, 65_535)).transform((v) => v ?? 3000),
  HOST: optionalEnv(z.string().min(1)).transform((v) => v ?? '127.0.0.1'),
};

const redeemShape = {
  REDEEM_INTERVAL_MS: optionalEnv(intEnv(100, 86_400_000)).transform((v) => v ?? 30_000),
  /** A pending photo due for longer than this with nobody on it counts as stuck. */
  REDEEM_STALE_MS: optionalEnv(intEnv(100, 86_400_000)).transform((v) => v ?? 120_000),
  /** Photos older than this many days in which nobody is identified are deleted by the redeemer; unset: kept forever. */
  RETENTION_DAYS: optionalEnv(intEnv(1, 36_500)).transform((v) => v ?? null),
};

const importRoots = optionalEnv(z.string())
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0)
      .map((p) => resolve(p)),
  )
  .superRefine((roots, ctx) => {
    for (const root of roots) {
      let ok = false;
      try {
        ok = statSync(root).isDirectory();
      } catch {
        ok = false;
      }
      if (!ok) ctx.addIssue({ code: 'custom', message: `not an existing folder: ${root}` });
    }
  });

function withDefaults<T extends { DATA_DIR: string; DATABASE_URL?: string }>(c: T) {
  return { ...c, DATABASE_URL: c.DATABASE_URL ?? `sqlite:${join(c.DATA_DIR, 'faceflow.db')}` };
}

function withWorkerDefaults<T extends { ENGINE_THREADS?: number; WORKER_CONCURRENCY?: number }>(c: T) {
  const threads = c.ENGINE_THREADS ?? availableParallelism();
  return { ...c, ENGINE_THREADS: threads, WORKER_CONCURRENCY: c.WORKER_CONCURRENCY ?? threads * 2 };
}

export const migrateConfigSchema = z.object(storageShape).transform(withDefaults);

/** `faceflow regroup`: the database and the grouping settings. */
export const regroupConfigSchema = z.object({ ...storageShape, ...groupingShape }).transform(withDefaults);

export const allConfigSchema = z
  .object({
    ...storageShape,
    ...galleryIndexShape,
    ...groupingShape,
    ...workerShape,
    ...redeemShape,
    ...httpShape,
    ...apiMetricsShape,
    IMPORT_ROOTS: importRoots,
    MAX_UPLOAD_BYTES: optionalEnv(intEnv(1, 2 ** 31)).transform((v) => v ?? 20 * 1024 * 1024),
    /** Files in one multipart upload; one more and the whole request is refused (413), nothing stored. */
    MAX_UPLOAD_FILES: optionalEnv(intEnv(1, 100_000)).transform((v) => v ?? 1000),
    ...datasetUrlShape,
    ...hardeningShape,
    ...authShape,
    ...tracingShape,
  })
  .superRefine(checkTlsPair)
  .superRefine(checkAuthBinding)
  .superRefine(checkApiMetrics)
  .transform((c) => withApiMetricsDefaults(withWorkerDefaults(withDefaults(c))));

/**
 * `faceflow api`: HTTP, SSE and the outbox relay; no jobs. The engine (identify, enrol, webcam) gets
 * ENGINE_THREADS threads (default 1); MAX_ATTEMPTS and JOB_LEASE_MS must match the workers' because
 * they shape the broker queue both declare.
 */
export const apiConfigSchema = z
  .object({
    ...storageShape,
    ...galleryIndexShape,
    ...groupingShape,
    ...httpShape,
    ...apiMetricsShape,
    ENGINE_THREADS: optionalEnv(intEnv(1, 256)).transform((v) => v ?? 1),
    ENGINE_RUNTIME: engineRuntime,
    MATCH_THRESHOLD: workerShape.MATCH_THRESHOLD,
    MAX_ATTEMPTS: workerShape.MAX_ATTEMPTS,
    JOB_LEASE_MS: workerShape.JOB_LEASE_MS,
    ...recognizerClientShape,
    ...searchClientShape,
    IMPORT_ROOTS: importRoots,
    MAX_UPLOAD_BYTES: optionalEnv(intEnv(1, 2 ** 31)).transform((v) => v ?? 20 * 1024 * 1024),
    /** Files in one multipart upload; one more and the whole request is refused (413), nothing stored. */
    MAX_UPLOAD_FILES: optionalEnv(intEnv(1, 100_000)).transform((v) => v ?? 1000),
    ...datasetUrlShape,
    ...hardeningShape,
    ...authShape,
    ...tracingShape,
  })
  .superRefine(checkTlsPair)
  .superRefine(checkAuthBinding)
  .superRefine(checkApiMetrics)
  .transform((c) => withApiMetricsDefaults(withDefaults(c)));

export const workerConfigSchema = z
  .object({
    ...storageShape,
    ...galleryIndexShape,
    ...groupingShape,
    ...workerShape,
    ...metricsShape,
    ...recognizerClientShape,
    ...searchClientShape,
    ...tracingShape,
  })
  .transform((c) => withWorkerDefaults(withDefaults(c)));

/** `faceflow recognizer`: stateless, no database; the engine behind gRPC/Connect on RECOGNIZER_PORT. */
export const recognizerConfigSchema = z
  .object({
    ENGINE_THREADS: workerShape.ENGINE_THREADS,
    ENGINE_RUNTIME: engineRuntime,
    RECOGNIZER_PORT: optionalEnv(intEnv(0, 65_535)).transform((v) => v ?? 50051),
    RECOGNIZER_HOST: optionalEnv(z.string().min(1)).transform((v) => v ?? '0.0.0.0'),
    RECOGNIZER_SECRET: recognizerClientShape.RECOGNIZER_SECRET,
    LOG_LEVEL: storageShape.LOG_LEVEL,
    LOG_FORMAT: storageShape.LOG_FORMAT,
    ...metricsShape,
    ...tracingShape,
  })
  .superRefine((c, ctx) => {
    // The engine port answers anyone who reaches it: only this machine, or callers with the secret.
    if (!c.RECOGNIZER_SECRET && !isLoopbackHost(c.RECOGNIZER_HOST))
      ctx.addIssue({
        code: 'custom',
        path: ['RECOGNIZER_SECRET'],
        message: `is required when the recognizer listens on ${c.RECOGNIZER_HOST} (not a loopback address)`,
      });
  })
  .transform((c) => ({ ...c, ENGINE_THREADS: c.ENGINE_THREADS ?? availableParallelism() }));

/**
 * `faceflow search`: the gallery index of api and worker processes in one process, behind gRPC/Connect
 * on SEARCH_PORT. Reads the store (never writes it); the HNSW index is its default.
 */
export const searchConfigSchema = z
  .object({
    DATA_DIR: storageShape.DATA_DIR,
    DATABASE_URL: storageShape.DATABASE_URL,
    DATABASE_POOL_SIZE: storageShape.DATABASE_POOL_SIZE,
    DATABASE_STATEMENT_TIMEOUT_MS: storageShape.DATABASE_STATEMENT_TIMEOUT_MS,
    LOG_LEVEL: storageShape.LOG_LEVEL,
    LOG_FORMAT: storageShape.LOG_FORMAT,
    ...galleryIndexShape,
    GALLERY_INDEX: optionalEnv(z.enum(['exact', 'hnsw'])).transform((v) => v ?? 'hnsw'),
    SEARCH_PORT: optionalEnv(intEnv(0, 65_535)).transform((v) => v ?? 50052),
    SEARCH_HOST: optionalEnv(z.string().min(1)).transform((v) => v ?? '0.0.0.0'),
    SEARCH_SECRET: searchClientShape.SEARCH_SECRET,
    ...metricsShape,
  })
  .superRefine((c, ctx) => {
    // Embeddings are biometric data: only this machine, or callers with the secret.
    if (!c.SEARCH_SECRET && !isLoopbackHost(c.SEARCH_HOST))
      ctx.addIssue({
        code: 'custom',
        path: ['SEARCH_SECRET'],
        message: `is required when the search service listens on ${c.SEARCH_HOST} (not a loopback address)`,
      });
  })
  .transform(withDefaults);

export const redeemerConfigSchema = z
  .object({ ...storageShape, ...redeemShape, ...tracingShape })
  .transform(withDefaults);

export type AllConfig = z.output<typeof allConfigSchema>;
export type ApiConfig = z.output<typeof apiConfigSchema>;
export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type RecognizerConfig = z.output<typeof recognizerConfigSchema>;
export type SearchConfig = z.output<typeof searchConfigSchema>;
export type RedeemerConfig = z.output<typeof redeemerConfigSchema>;
export type MigrateConfig = z.output<typeof migrateConfigSchema>;
export type RegroupConfig = z.output<typeof regroupConfigSchema>;

export const loadAllConfig = (env: NodeJS.ProcessEnv = process.env) => parseConfig(allConfigSchema, env);
export const loadApiConfig = (env: NodeJS.ProcessEnv = process.env) => parseConfig(apiConfigSchema, env);
export const loadWorkerConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(workerConfigSchema, env);
export const loadRecognizerConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(recognizerConfigSchema, env);
export const loadSearchConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(searchConfigSchema, env);
export const loadRedeemerConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(redeemerConfigSchema, env);
export const loadMigrateConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(migrateConfigSchema, env);

/**
 * The env keys each role's schema reads, by CLI role name. Deployment manifests and compose.yaml are
 * checked against this list (test/deploy), so a key they set is one some role really reads.
 */
export const roleEnvKeys: Readonly<
  Record<'all' | 'api' | 'worker' | 'recognizer' | 'search' | 'redeemer' | 'migrate', readonly string[]>
> = Object.freeze({
  all: Object.freeze(Object.keys(allConfigSchema.in.shape)),
  api: Object.freeze(Object.keys(apiConfigSchema.in.shape)),
  worker: Object.freeze(Object.keys(workerConfigSchema.in.shape)),
  recognizer: Object.freeze(Object.keys(recognizerConfigSchema.in.shape)),
  search: Object.freeze(Object.keys(searchConfigSchema.in.shape)),
  redeemer: Object.freeze(Object.keys(redeemerConfigSchema.in.shape)),
  migrate: Object.freeze(Object.keys(migrateConfigSchema.in.shape)),
});

export const loadRegroupConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(regroupConfigSchema, env);
