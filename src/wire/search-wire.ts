import { create } from '@bufbuild/protobuf';
import { AppError } from '../core/errors.ts';
import type { ModelInfo } from '../core/face.ts';
import {
  type NearestRequest,
  NearestRequestSchema,
  type NearestResponse,
  NearestResponseSchema,
} from '../gen/faceflow/v1/search_pb.ts';
import type { GalleryAnswer } from '../ports/gallery-lookup.ts';
import { modelFromWire, modelToWire } from './face-wire.ts';

/** Domain ↔ protobuf for the search contract (proto/faceflow/v1/search.proto), both sides. */

/** Queries in one Nearest call, and people per query: bounds on what one call may ask the service to do. */
export const MAX_QUERIES = 1000;
export const MAX_K = 100;

export function nearestRequestToWire(
  model: ModelInfo,
  embeddings: readonly Float32Array[],
  k: number,
): NearestRequest {
  return create(NearestRequestSchema, {
    model: modelToWire(model),
    queries: embeddings.map((e) => ({ embedding: Array.from(e) })),
    k,
  });
}

/** The request as the service acts on it; anything out of bounds is an `invalid_input` error. */
export function nearestRequestFromWire(request: NearestRequest): {
  model: ModelInfo;
  embeddings: Float32Array[];
  k: number;
} {
  if (!request.model) throw new AppError('invalid_input', 'no model given');
  const model = modelFromWire(request.model);
  if (!model.name || !model.version || model.dimensions < 1 || model.dimensions > 8192)
    throw new AppError('invalid_input', 'the model needs a name, a version and 1 to 8192 dimensions');
  if (request.k < 1 || request.k > MAX_K)
    throw new AppError('invalid_input', `k must be between 1 and ${MAX_K}`);
  if (request.queries.length > MAX_QUERIES)
    throw new AppError('invalid_input', `at most ${MAX_QUERIES} queries per call`);
  const embeddings = request.queries.map((q, i) => {
    if (!q.embedding.every(Number.isFinite))
      throw new AppError('invalid_input', `query ${i}: every value of an embedding must be a finite number`);
    return Float32Array.from(q.embedding);
  });
  return { model, embeddings, k: request.k };
}

export function nearestResponseToWire(answer: GalleryAnswer): NearestResponse {
  return create(NearestResponseSchema, {
    galleryVersion: BigInt(answer.version),
    size: answer.size,
    peopleCount: answer.peopleCount,
    results: answer.nearest.map((people) => ({
      people: people.map((p) => ({ personId: p.personId, distance: p.distance })),
    })),
  });
}

export function nearestResponseFromWire(response: NearestResponse, queries: number): GalleryAnswer {
  if (response.results.length !== queries)
    throw new AppError(
      'engine_failure',
      `the search service answered ${response.results.length} of ${queries} queries`,
      { retryable: true },
    );
  return {
    version: Number(response.galleryVersion),
    size: response.size,
    peopleCount: response.peopleCount,
    nearest: response.results.map((r) =>
      r.people.map((p) => ({ personId: p.personId, distance: p.distance })),
    ),
  };
}
