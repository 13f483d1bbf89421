import { z } from 'zod';
import { IMAGE_STATUSES } from '../core/image-status.ts';
import type { FaceRecord, ImageDetail, ImageRecord } from '../ports/images.ts';
import type { Person } from '../ports/people.ts';

/** zod schemas of the REST API: they validate requests and generate /openapi.json. */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const boxSchema = z.object({
  top: z.number(),
  right: z.number(),
  bottom: z.number(),
  left: z.number(),
});
export const personRefSchema = z.object({ id: z.string(), name: z.string() });

export const imageSchema = z.object({
  id: z.string(),
  file: z.string(),
  sha256: z.string(),
  size: z.number(),
  mediaType: z.string(),
  status: z.enum(IMAGE_STATUSES),
  attempts: z.number(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  processedAt: z.string().nullable(),
});

export const faceSchema = z.object({
  id: z.string(),
  index: z.number(),
  box: boxSchema,
  landmarks: z.array(z.object({ x: z.number(), y: z.number() })),
  score: z.number(),
  model: z.string(),
  person: personRefSchema.nullable(),
  distance: z.number().nullable(),
  match: z.enum(['auto', 'manual']),
});

export const imageDetailSchema = imageSchema.extend({
  importPath: z.string().nullable(),
  faces: z.array(faceSchema),
  people: z.array(personRefSchema),
  /** The trace of the photo's upload (32 hex digits), to look up in the tracing backend; null when untraced. */
  traceId: z.string().nullable(),
});

export const personSchema = z.object({
  id: z.string(),
  name: z.string(),
  enrolledFaces: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ingestResponseSchema = z.object({
  images: z.array(
    z.object({ id: z.string(), file: z.string(), status: z.enum(IMAGE_STATUSES), duplicate: z.boolean() }),
  ),
  rejected: z.array(
    z.object({ file: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
  ),
});

export const idParams = z.object({ id: z.string().min(1).max(100) });
/** `q` of the photo list and counts: part of a file name or import path. */
export const searchQuery = z.string().max(200).optional();
export const nameBody = z.object({ name: z.string() });

export function imageJson(image: ImageRecord): z.infer<typeof imageSchema> {
  return {
    id: image.id,
    file: image.file,
    sha256: image.sha256,
    size: image.size,
    mediaType: image.mediaType,
    status: image.status,
    attempts: image.attempts,
    lastError: image.lastError ? { code: image.lastError.code, message: image.lastError.message } : null,
    width: image.width,
    height: image.height,
    createdAt: iso(image.createdAt) as string,
    updatedAt: iso(image.updatedAt) as string,
    processedAt: iso(image.processedAt),
  };
}

export function faceJson(face: FaceRecord): z.infer<typeof faceSchema> {
  return {
    id: face.id,
    index: face.index,
    box: face.box,
    landmarks: face.landmarks,
    score: face.score,
    model: face.model,
    person: face.person,
    distance: face.distance,
    match: face.matchSource,
  };
}

export function imageDetailJson(image: ImageDetail): z.infer<typeof imageDetailSchema> {
  return {
    ...imageJson(image),
    importPath: image.importPath,
    faces: image.faces.map(faceJson),
    people: image.people,
    traceId: image.traceId,
  };
}

export function personJson(person: Person): z.infer<typeof personSchema> {
  return {
    id: person.id,
    name: person.name,
    enrolledFaces: person.enrolledFaces,
    createdAt: iso(person.createdAt) as string,
    updatedAt: iso(person.updatedAt) as string,
  };
}
