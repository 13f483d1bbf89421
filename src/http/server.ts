import { randomUUID } from 'node:crypto';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger as PinoLogger } from 'pino';
import type { IdentifyResult } from '../app/identify.ts';
import type { CorrectionDeps } from '../app/people-corrections.ts';
import type { PeopleService } from '../app/people-service.ts';
import type { PhotoService } from '../app/photo-service.ts';
import { packageVersion } from '../config/package-version.ts';
import { AppError } from '../core/errors.ts';
import { fileSystemProbe } from '../observability/fs-probe.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { AuditLog } from '../ports/audit-log.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EventBus } from '../ports/event-bus.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { ImageCodec } from '../ports/image-decoder.ts';
import type { PhotoStores } from '../ports/photo-stores.ts';
import type { WorkerHeartbeatStore } from '../ports/worker-heartbeats.ts';
import { declarePublicRoutes, type HttpAuth, OPENAPI_SECURITY, registerAuth } from './auth/index.ts';
import { errorHandler, sendError, toAppError } from './errors.ts';
import { DEFAULT_HARDENING, type HttpHardening, registerHardening } from './hardening/index.ts';
import { tlsServerOptions } from './hardening/tls.ts';
import { MAX_FORM_FIELDS } from './multipart.ts';
import { logRequest } from './request-log.ts';
import { registerAuditRoutes } from './routes/audit.routes.ts';
import { registerEnrolledFaceRoutes } from './routes/enrolled-faces.routes.ts';
import { registerEventRoutes } from './routes/events.routes.ts';
import { registerGroupingRoutes } from './routes/grouping.routes.ts';
import { registerImageRoutes } from './routes/images.routes.ts';
import { type JobRoutesDeps, registerJobRoutes } from './routes/jobs.routes.ts';
import { registerPeopleRoutes } from './routes/people.routes.ts';
import { registerPreviewRoutes } from './routes/preview.routes.ts';
import { registerSystemRoutes } from './routes/system.routes.ts';
import { registerWebUi } from './web-ui.ts';

export interface HttpDeps {
  /** Photos in (upload, import) and out (list, detail, bytes, face thumbnails), deleted, tried again. */
  photos: PhotoService;
  /** People created and forgotten, faces enrolled and named by hand. */
  people: PeopleService;
  /** Synchronous identification of a photo against the enrolled people; nothing is stored. */
  identify: (bytes: Uint8Array) => Promise<IdentifyResult>;
  /** Suggested people (incremental and batch grouping of unknown faces, ADR 0012) and their corrections. */
  corrections: CorrectionDeps;
  /** Read directly by the routes not yet behind a use case (system, preview, grouping). */
  stores: Pick<PhotoStores, 'images' | 'enrolment' | 'gallery'>;
  blobs: BlobStore;
  codec: ImageCodec;
  events: EventBus;
  engine: FaceEngine;
  /** Who did what (issue 7): written by the people and job routes, read at GET /api/audit. */
  audit: AuditLog;
  metrics: Metrics;
  logger: PinoLogger;
  maxUploadBytes: number;
  /** Files in one multipart request (MAX_UPLOAD_FILES). */
  maxUploadFiles: number;
  /** DATA_DIR: uploads are staged under it, and /readyz checks that it can be read. */
  dataDir: string;
  /** False while starting or shutting down: /readyz answers 503. */
  isReady: () => boolean;
  /** /readyz's file-system check (null: fine, else why not); absent: a bounded listing of `dataDir`. */
  fsReady?: () => Promise<string | null>;
  /** Security headers, CORS, rate limits, TLS (issue 7); absent: DEFAULT_HARDENING. */
  hardening?: HttpHardening;
  /** Authentication and authorization of every route not declared public (issue 7; ADR 0005). */
  auth: HttpAuth;
  /** Dataset average jobs (issue 6); absent: the job routes answer 503. */
  averages?: JobRoutesDeps['averages'];
  /** Worker heartbeat rows, listed by GET /api/system; absent: no workers are listed. */
  workers?: WorkerHeartbeatStore;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The REST API: routes validated with zod, OpenAPI at /openapi.json, docs at /docs, metrics, health. */
export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const hardening = deps.hardening ?? DEFAULT_HARDENING;
  // With TLS the server is an HTTP/2 one (HTTP/1.1 too, by ALPN); routes see the same request API, so
  // the instance keeps the plain-HTTP type (Fastify's types pick the server type from the literal options).
  const fsReady = deps.fsReady ?? fileSystemProbe(deps.dataDir);
  const app = Fastify({
    ...(tlsServerOptions(hardening.tls) as object),
    trustProxy: hardening.trustProxy,
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: true,
    // Fastify's two info lines per request flooded a terminal (the UI polls): one debug line instead.
    disableRequestLogging: true,
    // A URL the router cannot decode (`%zz`) gets the same JSON error as everything else.
    frameworkErrors: (error, _request, reply) => sendError(reply, toAppError(error)),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
  await registerHardening(app, hardening, deps.logger);

  await app.register(fastifyMultipart, {
    limits: {
      fileSize: deps.maxUploadBytes,
      files: deps.maxUploadFiles,
      fields: MAX_FORM_FIELDS,
      fieldSize: 64 * 1024,
    },
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'faceflow API',
        description:
          '[← Back to the faceflow app](/)\n\nIngest photos, detect and identify faces, manage people. Errors are `{error:{code,message}}`. `/healthz`, `/readyz` and (unless METRICS_AUTH=enabled) `/metrics` need no token.',
        version: packageVersion(),
      },
      ...OPENAPI_SECURITY,
      tags: [
        { name: 'auth', description: 'Sign-in, sessions, first-run setup' },
        { name: 'users', description: 'User administration (admins)' },
        { name: 'keys', description: 'API keys (admins)' },
        { name: 'images', description: 'Photos and their faces' },
        { name: 'people', description: 'People, enrollment, naming faces' },
        { name: 'identify', description: 'Synchronous identification' },
        { name: 'events', description: 'Server-Sent Events' },
        { name: 'system', description: 'Health and metrics' },
        { name: 'jobs', description: 'Batch jobs: dataset averages' },
        { name: 'audit', description: 'Who did what, when (admins)' },
      ],
    },
    transform: jsonSchemaTransform,
  });
  // The Swagger UI's routes take no config of ours: its own scope declares them public.
  await app.register(async (docs) => {
    declarePublicRoutes(docs);
    await docs.register(fastifySwaggerUi, { routePrefix: '/docs' });
  });
  await registerAuth(app, deps.auth, deps.audit, hardening.corsOrigins);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    logRequest(request, reply);
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  // Every route is private unless it says `role: 'public'` (the auth hook reads the matched route's config);
  // `security: []` tells OpenAPI readers the same.
  const open = { role: 'public' as const };
  const noSecurity: Record<string, string[]>[] = [];
  app.get('/openapi.json', { config: open, schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/healthz',
    { config: open, schema: { summary: 'Liveness', tags: ['system'], security: noSecurity } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: open,
      schema: {
        summary: 'Readiness: store up, and the file system answers within 1.5 s',
        tags: ['system'],
        security: noSecurity,
      },
    },
    async (_r, reply) => {
      if (!deps.isReady()) return sendError(reply, new AppError('unavailable', 'not ready'));
      try {
        await deps.stores.gallery.galleryVersion();
      } catch (error) {
        return sendError(
          reply,
          new AppError('unavailable', 'the database does not answer', { cause: error }),
        );
      }
      // Bounded: answers within FS_PROBE_TIMEOUT_MS even when every libuv thread is stuck.
      const fsProblem = await fsReady();
      if (fsProblem) return sendError(reply, new AppError('unavailable', fsProblem));
      return { status: 'ready', engine: deps.engine.stats() };
    },
  );
  // METRICS_AUTH=enabled: a viewer may read /metrics; otherwise anyone may (a scraper without a token).
  app.get(
    '/metrics',
    {
      config: { role: deps.auth.metricsAuth ? ('viewer' as const) : ('public' as const) },
      schema: {
        summary: 'Prometheus metrics',
        tags: ['system'],
        ...(deps.auth.metricsAuth ? {} : { security: noSecurity }),
      },
    },
    async (_r, reply) =>
      reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  registerImageRoutes(app, deps);
  registerPeopleRoutes(app, deps);
  registerGroupingRoutes(app, deps);
  registerEnrolledFaceRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerSystemRoutes(app, deps);
  registerJobRoutes(app, {
    averages: deps.averages ?? null,
    maxUploadBytes: deps.maxUploadBytes,
    audit: deps.audit,
  });
  registerAuditRoutes(app, deps);
  registerPreviewRoutes(app, deps);
  await registerWebUi(app, { logger: deps.logger });
  return app;
}
