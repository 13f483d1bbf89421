import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../adapters/blobs-fs/private-files.ts';
import {
  type AverageCoordinatorDeps,
  cancelAverageJob,
  createAverageJob,
  DEFAULT_CHUNK_SIZE,
  prepareAverageJob,
} from '../../app/average/average-coordinator.ts';
import { deleteAverageJob } from '../../app/average/average-delete.ts';
import { averageJobView, averageResultDocument } from '../../app/average/average-document.ts';
import type { DownloadBoard } from '../../app/average/download-board.ts';
import { startUrlAverageJob } from '../../app/average/url-average-job.ts';
import { type ImportRoots, resolveImportPath } from '../../app/import-path.ts';
import { AppError } from '../../core/errors.ts';
import { type AuditLog, auditActorOf } from '../../ports/audit-log.ts';
import type { AverageJobOptions } from '../../ports/average-job-store.ts';
import { principalOf } from '../auth/request-principal.ts';
import { errorSchema, idParams } from '../schemas.ts';

export interface JobRoutesDeps {
  /** Null where this process has no average-job store: the routes answer 503. */
  averages:
    | (AverageCoordinatorDeps & { importRoots: ImportRoots; uploadDir: string; downloads?: DownloadBoard })
    | null;
  maxUploadBytes: number;
  /** Downloads of a result are audited (it is derived from face embeddings). */
  audit: AuditLog;
}

const optionsShape = {
  face: z.enum(['largest', 'center', 'all']).default('largest'),
  minScore: z.coerce.number().min(0).max(1).default(0),
  chunkSize: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_CHUNK_SIZE),
  window: z.coerce.number().int().min(1).max(100_000).optional(),
};
const pathBody = z.object({ path: z.string().min(1).max(4096), ...optionsShape });
const urlBody = z.object({ url: z.string().min(1).max(8192), ...optionsShape });
const uploadQuery = z.object(optionsShape);

const jobSchema = z.object({
  id: z.string(),
  kind: z.literal('average'),
  state: z.enum(['preparing', 'running', 'done', 'failed', 'cancelled']),
  source: z.string(),
  options: z.object({
    face: z.string(),
    minScore: z.number(),
    chunkSize: z.number(),
    window: z.number().optional(),
  }),
  download: z
    .object({
      bytes: z.number(),
      totalBytes: z.number().nullable(),
      bytesPerSecond: z.number(),
      etaSeconds: z.number().nullable(),
      complete: z.boolean(),
    })
    .nullable(),
  progress: z.object({
    photosDone: z.number(),
    photosTotal: z.number().nullable(),
    chunksDone: z.number(),
    chunksTotal: z.number().nullable(),
    photosPerSecond: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  rejected: z.array(z.object({ entry: z.string(), reason: z.string() })),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

const ARCHIVE = /\.(zip|tar|tar\.gz|tgz)$/i;

/** Streams the one archive of a multipart request to a file under `uploadDir` (never whole into memory). */
async function saveUploadedArchive(request: FastifyRequest, uploadDir: string, maxBytes: number) {
  const part = await request.file();
  if (!part) throw new AppError('invalid_input', 'the request holds no file part');
  const name = path.basename(part.filename || 'upload');
  const ext = ARCHIVE.exec(name)?.[0]?.toLowerCase();
  if (!ext) {
    part.file.resume();
    throw new AppError('invalid_input', 'upload a .zip, .tar, .tar.gz or .tgz archive');
  }
  await ensurePrivateDir(uploadDir);
  const target = path.join(uploadDir, `${Date.now()}-${randomBytes(6).toString('hex')}${ext}`);
  await pipeline(part.file, createWriteStream(target, { flags: 'wx', mode: PRIVATE_FILE_MODE }));
  await chmod(target, PRIVATE_FILE_MODE);
  if (part.file.truncated) {
    await rm(target, { force: true });
    throw new AppError(
      'payload_too_large',
      `the archive is larger than MAX_UPLOAD_BYTES (${maxBytes} bytes)`,
    );
  }
  return { path: target, label: name };
}

/** A JSON body naming a URL (and no path) asks for a URL data set. */
function isUrlRequest(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || !('url' in body)) return false;
  if ('path' in body) throw new AppError('invalid_input', 'give either "path" or "url", not both');
  return true;
}

/** Reads the data set in the background; the job records how that ends. */
function startPreparing(
  a: NonNullable<JobRoutesDeps['averages']>,
  jobId: string,
  opened?: Parameters<typeof prepareAverageJob>[2],
) {
  prepareAverageJob(a, jobId, opened).catch((error) =>
    a.log.warn({ averageJob: jobId, err: String(error) }, 'average job failed while reading its data set'),
  );
}

/**
 * Batch jobs: POST /api/jobs/average, GET /api/jobs, GET /api/jobs/:id(/result.json),
 * POST /api/jobs/:id/cancel, DELETE /api/jobs/:id.
 */
export function registerJobRoutes(app: FastifyInstance, deps: JobRoutesDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const averages = () => {
    if (!deps.averages) throw new AppError('unavailable', 'average jobs are not available in this process');
    return deps.averages;
  };

  r.post(
    '/api/jobs/average',
    {
      schema: {
        summary:
          'Start a dataset average: a folder, archive or list file under IMPORT_ROOTS, an archive at an http(s) URL, or an uploaded archive',
        description:
          'JSON `{"path", "face", "minScore", "chunkSize"}` naming a path under IMPORT_ROOTS; JSON `{"url", …}` naming a .tar, .tar.gz or .zip archive on a host in DATASET_URL_ALLOW (answers once its first bytes are in and checked; it is read while it downloads); or multipart/form-data with one .zip/.tar/.tar.gz file (options as query parameters). Answers 202; follow the job with GET /api/jobs/:id (`download` while a URL downloads) or `job` events.',
        consumes: ['application/json', 'multipart/form-data'],
        tags: ['jobs'],
        response: {
          202: jobSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          413: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const a = averages();
      let source: { path: string; label: string };
      let options: AverageJobOptions;
      if (request.isMultipart()) {
        const query = uploadQuery.safeParse(request.query);
        if (!query.success) throw new AppError('invalid_input', `invalid options: ${query.error.message}`);
        options = query.data;
        source = await saveUploadedArchive(request, a.uploadDir, deps.maxUploadBytes);
      } else if (isUrlRequest(request.body)) {
        const body = urlBody.safeParse(request.body);
        if (!body.success)
          throw new AppError(
            'invalid_input',
            `send JSON {"url": "<http(s) URL of a .tar, .tar.gz or .zip archive>"}: ${body.error.issues
              .map((i) => `${i.path.join('.') || 'body'} ${i.message}`)
              .join('; ')}`,
          );
        const { url, ...rest } = body.data;
        const { job, opened } = await startUrlAverageJob(a, url, rest);
        startPreparing(a, job.id, opened);
        return reply.status(202).send(averageJobView(job, a.clock.now(), a.downloads?.get(job.id) ?? null));
      } else {
        const body = pathBody.safeParse(request.body);
        if (!body.success)
          throw new AppError(
            'invalid_input',
            'send JSON {"path": "<folder, archive or list file under IMPORT_ROOTS>"}, {"url": "<http(s) URL>"} or a multipart archive',
          );
        const { path: given, ...rest } = body.data;
        source = { path: await resolveImportPath(given, a.importRoots), label: given };
        options = rest;
      }
      const job = await createAverageJob(a, source, options);
      startPreparing(a, job.id);
      return reply.status(202).send(averageJobView(job, a.clock.now()));
    },
  );

  r.get(
    '/api/jobs',
    {
      schema: {
        summary: 'Batch jobs, newest first',
        tags: ['jobs'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
        response: { 200: z.object({ jobs: z.array(jobSchema) }) },
      },
    },
    async (request) => {
      const a = averages();
      const now = a.clock.now();
      return {
        jobs: (await a.averages.listJobs(request.query.limit)).map((job) =>
          averageJobView(job, now, a.downloads?.get(job.id) ?? null),
        ),
      };
    },
  );

  r.get(
    '/api/jobs/:id',
    {
      schema: {
        summary: 'A job: state, progress (photos/s, ETA) and the result when done',
        tags: ['jobs'],
        params: idParams,
        response: { 200: jobSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const a = averages();
      const job = await a.averages.getJob(request.params.id);
      if (!job) throw new AppError('not_found', `no job ${request.params.id}`);
      return averageJobView(job, a.clock.now(), a.downloads?.get(job.id) ?? null);
    },
  );

  r.get(
    '/api/jobs/:id/result.json',
    {
      schema: {
        summary: 'The result document of a finished average job (409 while it runs)',
        tags: ['jobs'],
        params: idParams,
        response: { 200: z.record(z.string(), z.unknown()), 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const a = averages();
      const job = await a.averages.getJob(request.params.id);
      if (!job) throw new AppError('not_found', `no job ${request.params.id}`);
      const document = averageResultDocument(job);
      await deps.audit.record({
        actor: auditActorOf(principalOf(request)),
        action: 'average.downloaded',
        target: { type: 'average_job', id: job.id },
        details: { state: job.state },
      });
      return reply
        .header('content-disposition', `attachment; filename="${job.id}.json"`)
        .type('application/json')
        .send(document);
    },
  );

  r.post(
    '/api/jobs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a job (its remaining chunks are dropped); a finished job is left as it is',
        tags: ['jobs'],
        params: idParams,
        response: { 200: jobSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const a = averages();
      const job = await cancelAverageJob(a, request.params.id);
      return averageJobView(job, a.clock.now());
    },
  );

  r.delete(
    '/api/jobs/:id',
    {
      schema: {
        summary:
          'Delete a finished job with its uploaded archive and the data set photos nothing else uses (409 while it runs: cancel it first)',
        tags: ['jobs'],
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const a = averages();
      const deleted = await deleteAverageJob(a, request.params.id);
      await deps.audit.record({
        actor: auditActorOf(principalOf(request)),
        action: 'average.deleted',
        target: { type: 'average_job', id: deleted.id },
        details: { blobs: deleted.blobs, archive: deleted.archive },
      });
      return reply.status(204).send(null);
    },
  );
}
