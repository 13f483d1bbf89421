import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EnrolledFace } from '../../ports/enrolment.ts';
import { sendJpeg } from '../face-thumbnail.ts';
import { errorSchema } from '../schemas.ts';
import type { HttpDeps } from '../server.ts';

const enrolledFaceSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  source: z.object({ imageId: z.string(), faceId: z.string() }).nullable(),
  /** Null when there is no picture of the face left (enrolled from a photo that has since been deleted). */
  thumbnailUrl: z.string().nullable(),
});

const faceParams = z.object({ id: z.string().min(1).max(100), enrolledId: z.string().min(1).max(100) });

function enrolledFaceJson(face: EnrolledFace): z.infer<typeof enrolledFaceSchema> {
  const shown = face.hasThumbnail || face.source !== null;
  return {
    id: face.id,
    createdAt: new Date(face.createdAt).toISOString(),
    source: face.source,
    thumbnailUrl: shown
      ? `/api/people/${encodeURIComponent(face.personId)}/faces/${encodeURIComponent(face.id)}/thumbnail`
      : null,
  };
}

/** A person's gallery: the faces enrolled for them, each with a picture. */
export function registerEnrolledFaceRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['people'];

  r.get(
    '/api/people/:id/faces',
    {
      schema: {
        summary: "A person's enrolled faces (from stored photos and from uploaded ones), oldest first",
        tags,
        params: z.object({ id: z.string().min(1).max(100) }),
        response: { 200: z.object({ faces: z.array(enrolledFaceSchema) }), 404: errorSchema },
      },
    },
    async (request) => ({
      faces: (await deps.people.enrolledFaces(request.params.id)).map(enrolledFaceJson),
    }),
  );

  r.get(
    '/api/people/:id/faces/:enrolledId/thumbnail',
    {
      schema: {
        summary: 'A square JPEG of one enrolled face',
        tags,
        params: faceParams,
        querystring: z.object({ size: z.coerce.number().int().min(16).max(512).default(150) }),
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { id, enrolledId } = request.params;
      return sendJpeg(reply, await deps.people.enrolledThumbnail(id, enrolledId, request.query.size));
    },
  );
}
