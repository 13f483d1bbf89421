import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { regroupAll } from '../../app/grouping.ts';
import { renamePerson } from '../../app/people.ts';
import {
  listPeople,
  mergePeople,
  moveFaces,
  nameSuggestion,
  rejectFaces,
  requireSummary,
  setCover,
  setHidden,
} from '../../app/people-corrections.ts';
import { AppError } from '../../core/errors.ts';
import { auditActorOf } from '../../ports/audit-log.ts';
import type { PersonSummary } from '../../ports/face-groups.ts';
import type { ImageRecord } from '../../ports/images.ts';
import { principalOf } from '../auth/request-principal.ts';
import { sendJpeg } from '../face-thumbnail.ts';
import { boxSchema, errorSchema, idParams, imageJson, imageSchema } from '../schemas.ts';
import type { HttpDeps } from '../server.ts';

export const personSummarySchema = z.object({
  id: z.string(),
  name: z.string().nullable().describe('null for a suggested person'),
  suggested: z.boolean(),
  hidden: z.boolean(),
  faceCount: z.number(),
  photoCount: z.number(),
  cover: z
    .object({ faceId: z.string(), imageId: z.string() })
    .nullable()
    .describe('The face shown for them (chosen, else the best-quality one)'),
  enrolledFaces: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function personSummaryJson(p: PersonSummary): z.infer<typeof personSummarySchema> {
  return {
    id: p.id,
    name: p.name,
    suggested: p.suggested,
    hidden: p.hidden,
    faceCount: p.faceCount,
    photoCount: p.photoCount,
    cover: p.cover,
    enrolledFaces: p.enrolledFaces,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

const groupedFaceSchema = z.object({
  faceId: z.string(),
  imageId: z.string(),
  box: boxSchema,
  score: z.number(),
  matchSource: z.enum(['auto', 'manual']),
});

const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
const faceIdsBody = z.object({ faceIds: z.array(z.string().min(1).max(100)).min(1).max(1000) });

/**
 * People as photo apps show them: named people and suggested ones (groups of unknown faces), naming,
 * merging, moving and rejecting faces, hiding, the cover face, and the batch re-grouping.
 */
export function registerGroupingRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['people'];
  const { corrections } = deps;
  const { grouping } = corrections;

  r.get(
    '/api/people',
    {
      schema: {
        summary: 'List named people, then suggested people (largest first)',
        tags,
        querystring: z.object({
          suggested: booleanQuery.optional().describe('true: suggestions only; false: named people only'),
          hidden: booleanQuery.optional().describe('true: hidden people too'),
        }),
        response: { 200: z.object({ people: z.array(personSummarySchema) }), 400: errorSchema },
      },
    },
    async (request) => ({
      people: (
        await listPeople(corrections, {
          suggested: request.query.suggested,
          includeHidden: request.query.hidden,
        })
      ).map(personSummaryJson),
    }),
  );

  r.get(
    '/api/people/:id',
    {
      schema: {
        summary: 'A person or suggestion with the photos they appear in',
        tags,
        params: idParams,
        response: { 200: personSummarySchema.extend({ images: z.array(imageSchema) }), 404: errorSchema },
      },
    },
    async (request) => {
      const summary = await requireSummary(corrections, request.params.id);
      let images: ImageRecord[];
      if (!summary.suggested) images = await deps.stores.images.imagesOfPerson(summary.id, 500);
      else {
        const imageIds = [...new Set((await grouping.summaries.facesOf(summary.id)).map((f) => f.imageId))];
        const details = await Promise.all(
          imageIds.slice(0, 500).map((id) => deps.stores.images.getImage(id)),
        );
        images = details.filter((d) => d !== null).map(({ faces: _f, people: _p, ...image }) => image);
      }
      return { ...personSummaryJson(summary), images: images.map(imageJson) };
    },
  );

  r.get(
    '/api/people/:id/photo-faces',
    {
      schema: {
        summary: 'Every face of a person or suggestion in the stored photos, best first',
        tags,
        params: idParams,
        response: { 200: z.object({ faces: z.array(groupedFaceSchema) }), 404: errorSchema },
      },
    },
    async (request) => {
      await requireSummary(corrections, request.params.id);
      return { faces: await grouping.summaries.facesOf(request.params.id) };
    },
  );

  r.patch(
    '/api/people/:id',
    {
      schema: {
        summary: 'Name a suggestion (it becomes a person), rename, hide, or choose the face shown',
        tags,
        params: idParams,
        body: z
          .object({
            name: z.string().optional(),
            hidden: z.boolean().optional(),
            coverFaceId: z.string().min(1).max(100).optional(),
          })
          .refine((b) => b.name !== undefined || b.hidden !== undefined || b.coverFaceId !== undefined, {
            message: 'give name, hidden or coverFaceId',
          }),
        response: { 200: personSummarySchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { name, hidden, coverFaceId } = request.body;
      const actor = principalOf(request);
      let current = await requireSummary(corrections, id);
      if (name !== undefined) {
        if (current.suggested) current = await nameSuggestion(corrections, id, name, actor, request.id);
        else await renamePerson(corrections.people, id, name, actor);
      }
      if (hidden !== undefined) await setHidden(corrections, current.id, hidden);
      if (coverFaceId !== undefined) await setCover(corrections, current.id, coverFaceId);
      return personSummaryJson(await requireSummary(corrections, current.id));
    },
  );

  r.post(
    '/api/people/:id/merge',
    {
      schema: {
        summary: 'Merge a person or suggestion into another: faces, photos and enrolled faces follow',
        tags,
        params: idParams,
        body: z.object({ into: z.string().min(1).max(100) }),
        response: { 200: personSummarySchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      personSummaryJson(
        await mergePeople(
          corrections,
          request.params.id,
          request.body.into,
          principalOf(request),
          request.id,
        ),
      ),
  );

  r.post(
    '/api/people/:id/faces/move',
    {
      schema: {
        summary: "Move some of a person's (or suggestion's) faces to a named person",
        tags,
        params: idParams,
        body: faceIdsBody.extend({ to: z.string().min(1).max(100) }),
        response: { 200: z.object({ moved: z.number() }), 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      moveFaces(corrections, request.params.id, request.body.faceIds, request.body.to, principalOf(request)),
  );

  r.post(
    '/api/people/:id/faces/reject',
    {
      schema: {
        summary: '"Not this person": the faces leave them and never come back on re-grouping or re-matching',
        tags,
        params: idParams,
        body: faceIdsBody,
        response: { 200: z.object({ rejected: z.number() }), 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      rejectFaces(corrections, request.params.id, request.body.faceIds, principalOf(request)),
  );

  r.get(
    '/api/faces/:faceId/thumbnail',
    {
      schema: {
        summary: 'A square JPEG of one stored face',
        tags,
        params: z.object({ faceId: z.string().min(1).max(100) }),
        querystring: z.object({ size: z.coerce.number().int().min(16).max(512).default(150) }),
        response: { 404: errorSchema },
      },
    },
    async (request, reply) => {
      const face = await deps.stores.enrolment.getFace(request.params.faceId);
      if (!face) throw new AppError('not_found', `no face with id ${request.params.faceId}`);
      return sendJpeg(reply, await deps.photos.faceThumbnail(face.imageId, face.id, request.query.size));
    },
  );

  r.post(
    '/api/regroup',
    {
      schema: {
        summary: 'Re-group every unknown face (the same groups whatever order the photos came in)',
        tags,
        response: {
          200: z.object({ faces: z.number(), groups: z.number(), suggestions: z.number() }),
        },
      },
    },
    async (request) => {
      const result = await regroupAll(grouping);
      await deps.audit.record({
        actor: auditActorOf(principalOf(request)),
        action: 'people.regrouped',
        target: { type: 'system', id: 'grouping' },
        details: { ...result },
      });
      return result;
    },
  );
}
