import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { HttpDeps } from '../server.ts';

/**
 * GET /api/images/:id/preview: the photo as a JPEG no larger than `size` pixels, upright. Browsers get
 * thumbnails without downloading whole photos, and can show the formats they cannot read (PGM, TIFF, HEIF).
 * The image codec decodes (with its pixel limit), scales and encodes.
 */
export function registerPreviewRoutes(app: FastifyInstance, deps: HttpDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/images/:id/preview',
    {
      schema: {
        summary: 'The photo as a JPEG that fits in size×size pixels (for thumbnails and browsers)',
        tags: ['images'],
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.object({ size: z.coerce.number().int().min(16).max(2048).default(256) }),
      },
    },
    async (request, reply) => {
      const image = await deps.stores.images.getImage(request.params.id);
      if (!image) throw new AppError('not_found', `no photo with id ${request.params.id}`);
      const etag = `"${image.sha256}-${request.query.size}"`;
      reply.header('etag', etag).header('cache-control', 'private, max-age=31536000, immutable');
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      const jpeg = await deps.codec.preview(await deps.blobs.get(image.sha256), request.query.size);
      return reply.type('image/jpeg').send(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
    },
  );
}
