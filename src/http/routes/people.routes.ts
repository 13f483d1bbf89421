import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EnrollResult } from '../../app/people.ts';
import { AppError } from '../../core/errors.ts';
import { principalOf } from '../auth/request-principal.ts';
import { readSingleFile } from '../multipart.ts';
import {
  boxSchema,
  errorSchema,
  faceJson,
  faceSchema,
  idParams,
  nameBody,
  personJson,
  personSchema,
} from '../schemas.ts';
import type { HttpDeps } from '../server.ts';

const enrollResponse = z.object({
  person: personSchema,
  enrolledId: z.string(),
  face: z.object({
    box: boxSchema,
    score: z.number(),
    imageId: z.string().nullable(),
    faceId: z.string().nullable(),
  }),
});

function enrollJson(result: EnrollResult): z.infer<typeof enrollResponse> {
  return { ...result, person: personJson(result.person) };
}

const deleteQuery = z.object({
  purge: z.enum(['photos']).optional().describe('`photos`: also delete every photo the person appears in'),
});

const deletionSchema = z.object({
  person: z.object({ id: z.string(), name: z.string() }),
  purgedPhotos: z.boolean(),
  deleted: z.object({
    enrolledEmbeddings: z.number(),
    facesUnlabelled: z.number(),
    photos: z.number(),
    faces: z.number(),
    jobs: z.number(),
    blobs: z.number(),
  }),
});

const matchSchema = z.object({ id: z.string(), name: z.string(), distance: z.number() });
const operatingPointSchema = z
  .object({
    distance: z.number().nullable(),
    secondDistance: z.number().nullable(),
    margin: z.number().nullable(),
    threshold: z.number(),
    galleryPeople: z.number(),
    policy: z.enum(['calibrated', 'fixed']),
    reason: z.enum(['matched', 'empty_gallery', 'above_threshold']),
  })
  .describe('How the decision was taken: the 1:N calibration or a fixed threshold, and why');

export function registerPeopleRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['people'];

  r.post(
    '/api/people',
    {
      schema: {
        summary: 'Create a person',
        tags,
        body: nameBody,
        response: { 201: personSchema, 400: errorSchema },
      },
    },
    async (request, reply) =>
      reply.status(201).send(personJson(await deps.people.create(request.body.name, principalOf(request)))),
  );

  r.delete(
    '/api/people/:id',
    {
      schema: {
        summary: 'Forget a person: their enrolled faces go, their faces are un-labelled and re-identified',
        description:
          'With `purge=photos`, every photo the person appears in is deleted too: its rows, faces, queued jobs and stored bytes. Answers what was deleted, in numbers.',
        tags,
        params: idParams,
        querystring: deleteQuery,
        response: { 200: deletionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      deps.people.delete(
        request.params.id,
        { purgePhotos: request.query.purge === 'photos' },
        principalOf(request),
        request.id,
      ),
  );

  r.post(
    '/api/people/:id/faces',
    {
      schema: {
        summary:
          'Enroll a face: upload a photo with one main face (multipart), or JSON {"faceId"} of a stored face',
        tags,
        params: idParams,
        consumes: ['multipart/form-data', 'application/json'],
        response: {
          201: enrollResponse,
          400: errorSchema,
          404: errorSchema,
          413: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const personId = request.params.id;
      const actor = principalOf(request);
      if (request.isMultipart()) {
        const read = () => readSingleFile(request, deps.maxUploadBytes);
        const enrolled = await deps.people.enrollUpload(personId, read, actor, request.id);
        return reply.status(201).send(enrollJson(enrolled));
      }
      const parsed = z.object({ faceId: z.string().min(1).max(100) }).safeParse(request.body);
      if (!parsed.success)
        throw new AppError('invalid_input', 'send a photo (multipart) or JSON {"faceId": "..."}');
      const enrolled = await deps.people.enrollFace(personId, parsed.data.faceId, actor, request.id);
      return reply.status(201).send(enrollJson(enrolled));
    },
  );

  r.post(
    '/api/faces/:faceId/assign',
    {
      schema: {
        summary: 'Name a face by hand (re-identification never overrides it)',
        tags,
        params: z.object({ faceId: z.string().min(1).max(100) }),
        body: z.object({ personId: z.string().min(1).max(100) }),
        response: { 200: faceSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      faceJson(
        await deps.people.assignFace(request.params.faceId, request.body.personId, principalOf(request)),
      ),
  );

  r.post(
    '/api/identify',
    {
      schema: {
        summary:
          'Identify the faces of a photo (multipart, one file) against the enrolled people; nothing is stored',
        tags: ['identify'],
        consumes: ['multipart/form-data'],
        response: {
          200: z.object({
            width: z.number(),
            height: z.number(),
            model: z.string(),
            threshold: z.number(),
            faces: z.array(
              z.object({
                box: boxSchema,
                score: z.number(),
                match: matchSchema.nullable(),
                candidates: z.array(matchSchema),
                operatingPoint: operatingPointSchema,
              }),
            ),
          }),
          400: errorSchema,
          413: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request) => {
      if (!request.isMultipart())
        throw new AppError('invalid_input', 'send the photo as multipart/form-data');
      const bytes = await readSingleFile(request, deps.maxUploadBytes);
      if (bytes.byteLength === 0) throw new AppError('invalid_image', 'the file is empty (0 bytes)');
      return deps.identify(bytes);
    },
  );
}
