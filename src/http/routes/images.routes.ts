import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { IMAGE_STATUSES } from '../../core/image-status.ts';
import { principalOf } from '../auth/request-principal.ts';
import { sendJpeg } from '../face-thumbnail.ts';
import { stageUploadedFiles } from '../multipart.ts';
import {
  errorSchema,
  idParams,
  imageDetailJson,
  imageDetailSchema,
  imageJson,
  imageSchema,
  ingestResponseSchema,
  searchQuery,
} from '../schemas.ts';
import type { HttpDeps } from '../server.ts';

const pathBody = z.object({ path: z.string().min(1).max(4096) });

export function registerImageRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/images',
    {
      schema: {
        summary: 'Upload photos (multipart, one or many files) or import a file or folder under IMPORT_ROOTS',
        description:
          'multipart/form-data with one or more file parts, or JSON `{"path": "..."}`. Returns at once; processing is asynchronous.',
        consumes: ['multipart/form-data', 'application/json'],
        tags: ['images'],
        response: {
          201: ingestResponseSchema,
          400: errorSchema,
          403: errorSchema,
          413: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const actor = principalOf(request);
      if (!request.isMultipart()) {
        const parsed = pathBody.safeParse(request.body);
        if (!parsed.success)
          throw new AppError(
            'invalid_input',
            'send multipart/form-data files, or JSON {"path": "<file or folder>"}',
          );
        return reply.status(201).send(await deps.photos.importPath(parsed.data.path, actor, request.id));
      }
      // Every file is read (staged) before the first is stored: a request refused for a limit stores nothing.
      const upload = await stageUploadedFiles(request, join(deps.dataDir, 'staging'), deps);
      try {
        const files = upload.files.map((staged) => ({ file: staged.file, load: () => upload.read(staged) }));
        return reply.status(201).send(await deps.photos.ingestFiles(files, actor, request.id));
      } finally {
        await upload.discard();
      }
    },
  );

  r.get(
    '/api/images',
    {
      schema: {
        summary: 'List photos, newest first (keyset pagination); filter by status, person and name',
        tags: ['images'],
        querystring: z.object({
          status: z.enum(IMAGE_STATUSES).optional(),
          person: z.string().max(100).optional(),
          q: searchQuery,
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ images: z.array(imageSchema), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { status, person, q, cursor, limit } = request.query;
      const page = await deps.photos.list({ status, personId: person, search: q, cursor, limit });
      return { images: page.items.map(imageJson), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/api/images/:id',
    {
      schema: {
        summary: 'One photo with every face: box, landmarks, person, distance',
        tags: ['images'],
        params: idParams,
        response: { 200: imageDetailSchema, 404: errorSchema },
      },
    },
    async (request) => imageDetailJson(await deps.photos.get(request.params.id)),
  );

  r.delete(
    '/api/images/:id',
    {
      schema: {
        summary: 'Delete a photo: its faces, queued work and stored bytes (editors)',
        description:
          'Previews and face thumbnails are cut from the stored bytes on request, so they go with them. A worker still processing the photo has its result refused.',
        tags: ['images'],
        params: idParams,
        response: { 204: z.null(), 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      await deps.photos.delete(request.params.id, principalOf(request));
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/images/:id/retry',
    {
      schema: {
        summary: 'Try a failed photo again (a fresh round of attempts)',
        tags: ['images'],
        params: idParams,
        response: {
          202: z.object({ id: z.string(), status: z.literal('pending') }),
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request, reply) => {
      await deps.photos.retry(request.params.id);
      return reply.status(202).send({ id: request.params.id, status: 'pending' as const });
    },
  );

  r.get(
    '/api/images/:id/content',
    { schema: { summary: 'The stored photo bytes', tags: ['images'], params: idParams } },
    async (request, reply) => {
      const { bytes, mediaType, sha256 } = await deps.photos.content(request.params.id);
      return reply
        .type(mediaType)
        .header('etag', `"${sha256}"`)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  r.get(
    '/api/images/:id/faces/:faceId/thumbnail',
    {
      schema: {
        summary: 'A square JPEG of one face',
        tags: ['images'],
        params: z.object({ id: z.string().min(1).max(100), faceId: z.string().min(1).max(100) }),
        querystring: z.object({ size: z.coerce.number().int().min(16).max(512).default(150) }),
      },
    },
    async (request, reply) =>
      sendJpeg(
        reply,
        await deps.photos.faceThumbnail(request.params.id, request.params.faceId, request.query.size),
      ),
  );
}
