import { timingSafeEqual } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type Interceptor } from '@connectrpc/connect';
import { AppError, type ErrorCode, toErrorInfo } from '../core/errors.ts';
import {
  DetectResponseSchema,
  EmbedResponseSchema,
  GetModelResponseSchema,
  Recognizer,
} from '../gen/faceflow/v1/recognizer_pb.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import type { Logger } from '../ports/logger.ts';
import { modelToWire, priorityFromWire, resultToWire } from '../wire/face-wire.ts';
import { registerHealth } from './health.service.ts';

/** At most this many images in one Detect/Embed call. */
export const MAX_BATCH = 64;

const CONNECT_CODES: Partial<Record<ErrorCode, Code>> = {
  invalid_input: Code.InvalidArgument,
  invalid_image: Code.InvalidArgument,
  image_too_large: Code.InvalidArgument,
  payload_too_large: Code.ResourceExhausted,
  unauthorized: Code.Unauthenticated,
  forbidden: Code.PermissionDenied,
  rate_limited: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/** AppError → Connect/gRPC status (the only place that knows this mapping). */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const info = toErrorInfo(error);
  return new ConnectError(info.message, CONNECT_CODES[info.code] ?? Code.Internal);
}

/**
 * Rejects every call to `service` (the Recognizer by default) without `authorization: Bearer <secret>`;
 * health checks stay open (probes).
 */
export function secretInterceptor(
  secret: string | undefined,
  service: string = Recognizer.typeName,
): Interceptor {
  const expected = secret === undefined ? null : Buffer.from(`Bearer ${secret}`);
  return (next) => async (req) => {
    if (expected && req.service.typeName === service) {
      const given = Buffer.from(req.header.get('authorization') ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new ConnectError(`missing or wrong secret for ${service}`, Code.Unauthenticated);
    }
    return next(req);
  };
}

export interface RecognizerServiceDeps {
  engine: FaceEngine;
  log: Logger;
  /** False while starting or stopping: the health service answers NOT_SERVING. */
  isServing: () => boolean;
}

/** Registers `faceflow.v1.Recognizer` and `grpc.health.v1.Health` on a Connect router. */
export function recognizerRoutes(deps: RecognizerServiceDeps) {
  const { engine } = deps;
  const analyze = async (
    images: Uint8Array[],
    priority: Parameters<typeof priorityFromWire>[0],
    embed: boolean,
  ) => {
    if (images.length === 0) throw toConnectError(new AppError('no_images', 'no images given'));
    if (images.length > MAX_BATCH)
      throw toConnectError(new AppError('invalid_input', `at most ${MAX_BATCH} images per call`));
    try {
      const results = await engine.analyzeBatch(images, { priority: priorityFromWire(priority) });
      return { results: results.map((r) => resultToWire(r, embed)), model: modelToWire(engine.model) };
    } catch (error) {
      deps.log.error({ err: String(error) }, 'recognizer call failed');
      throw toConnectError(error);
    }
  };
  return (router: ConnectRouter) => {
    router.service(Recognizer, {
      async detect(req) {
        return create(DetectResponseSchema, await analyze(req.images, req.priority, false));
      },
      async embed(req) {
        return create(EmbedResponseSchema, await analyze(req.images, req.priority, true));
      },
      async getModel() {
        return create(GetModelResponseSchema, { model: modelToWire(engine.model) });
      },
    });
    registerHealth(router, Recognizer.typeName, deps.isServing);
  };
}
