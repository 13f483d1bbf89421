import { create } from '@bufbuild/protobuf';
import { type ErrorCode, type ErrorInfo, fromErrorInfo } from '../core/errors.ts';
import type { DetectedFace, FaceAnalysis, ModelInfo } from '../core/face.ts';
import {
  type Analysis,
  AnalysisSchema,
  type Face,
  FaceSchema,
  type ImageResult,
  ImageResultSchema,
  type Model,
  ModelSchema,
  Priority,
} from '../gen/faceflow/v1/recognizer_pb.ts';
import type { BatchItemResult, EnginePriority } from '../ports/face-engine.ts';

/** Domain ↔ protobuf for the recognizer contract (proto/faceflow/v1/recognizer.proto), both sides. */

export function modelToWire(model: ModelInfo): Model {
  return create(ModelSchema, { ...model });
}

export function modelFromWire(model: Model | undefined): ModelInfo {
  if (!model) throw new Error('the recognizer sent no model');
  return {
    name: model.name,
    version: model.version,
    dimensions: model.dimensions,
    threshold: model.threshold,
  };
}

export function priorityToWire(priority: EnginePriority | undefined): Priority {
  return priority === 'interactive' ? Priority.INTERACTIVE : Priority.BATCH;
}

export function priorityFromWire(priority: Priority): EnginePriority {
  return priority === Priority.INTERACTIVE ? 'interactive' : 'batch';
}

function faceToWire(face: DetectedFace, withEmbedding: boolean): Face {
  return create(FaceSchema, {
    box: { ...face.box },
    score: face.score,
    landmarks: face.landmarks.map((p) => ({ x: p.x, y: p.y })),
    embedding: withEmbedding ? Array.from(face.embedding) : [],
    quality: { ...face.quality },
  });
}

export function resultToWire(result: BatchItemResult, withEmbedding: boolean): ImageResult {
  if (!result.ok)
    return create(ImageResultSchema, {
      result: {
        case: 'error',
        value: {
          code: result.error.code,
          message: result.error.message,
          retryable: result.error.retryable ?? false,
        },
      },
    });
  const analysis: Analysis = create(AnalysisSchema, {
    width: result.analysis.width,
    height: result.analysis.height,
    faces: result.analysis.faces.map((f) => faceToWire(f, withEmbedding)),
  });
  return create(ImageResultSchema, { result: { case: 'analysis', value: analysis } });
}

export function resultFromWire(result: ImageResult, model: ModelInfo): BatchItemResult {
  if (result.result.case === 'error') {
    const error: ErrorInfo = {
      code: result.result.value.code as ErrorCode,
      message: result.result.value.message,
      retryable: result.result.value.retryable,
    };
    return { ok: false, error };
  }
  if (result.result.case !== 'analysis')
    return {
      ok: false,
      error: { code: 'engine_failure', message: 'empty result from the recognizer', retryable: true },
    };
  const a = result.result.value;
  const analysis: FaceAnalysis = {
    width: a.width,
    height: a.height,
    model,
    faces: a.faces.map((f) => ({
      box: {
        top: f.box?.top ?? 0,
        right: f.box?.right ?? 0,
        bottom: f.box?.bottom ?? 0,
        left: f.box?.left ?? 0,
      },
      score: f.score,
      landmarks: f.landmarks.map((p) => ({ x: p.x, y: p.y })),
      embedding: Float32Array.from(f.embedding),
      quality: {
        size: f.quality?.size ?? 0,
        eyeDistance: f.quality?.eyeDistance ?? 0,
        roll: f.quality?.roll ?? 0,
        verdict: f.quality?.verdict === 'small' ? 'small' : 'good',
      },
    })),
  };
  return { ok: true, analysis };
}

/** The single result of a one-image call, as `FaceEngine.analyze` gives it (rejecting on a per-image error). */
export function singleFromWire(results: ImageResult[], model: ModelInfo): FaceAnalysis {
  const first = results[0];
  if (!first)
    throw fromErrorInfo({
      code: 'engine_failure',
      message: 'no result from the recognizer',
      retryable: true,
    });
  const result = resultFromWire(first, model);
  if (!result.ok) throw fromErrorInfo(result.error);
  return result.analysis;
}
