import type { ModelInfo } from '../core/face.ts';
import { ARC_FACE_DIMENSIONS } from './embed/fused-embedding.ts';
import { type AnalyzerOptions, DEFAULT_ANALYZER_OPTIONS } from './face-analyzer.ts';

/** face-api's 128-d ResNet descriptor fused with the 512-d ArcFace-template descriptor (640 values). */
export const MODEL_NAME = 'faceapi-resnet128+arcface512';
/** The ArcFace network's weights, named by the start of their sha256 (models/NOTICE.md). */
export const ARC_FACE_WEIGHTS = 'frfeature-87aacdfe';
/** Bump when anything that changes embeddings changes (weights, alignment, augmentation, fusion). */
export const PIPELINE_VERSION = 'yunet-tmpl0.9-refine-flip+arcface5pt-flip-w1';
/** Embedding length of the face-api descriptor alone. */
const FACE_API_DIMENSIONS = 128;
/** Embedding length of the default engine: 128 face-api values followed by 512 ArcFace values. */
export const EMBEDDING_DIMENSIONS = FACE_API_DIMENSIONS + ARC_FACE_DIMENSIONS;

/**
 * The model's 1:1 verification threshold (Euclidean distance between L2-normalised embeddings): the mean
 * of the ten fold thresholds of `faceflow eval` on lfw-dev/pairs.tsv for this model version (see
 * docs/adr/0002). Identification against many people uses the model's 1:N calibration instead
 * (open-set-calibration.ts next to this file).
 */
export const DEFAULT_MATCH_THRESHOLD = 0.9;
/** The same for the face-api descriptor alone (`arcFace: false`), measured before the fusion. */
const FACE_API_ONLY_THRESHOLD = 0.416;

export function modelInfo(
  versions: { faceApi: string },
  options: AnalyzerOptions = DEFAULT_ANALYZER_OPTIONS,
): ModelInfo {
  const standard =
    options.flip === DEFAULT_ANALYZER_OPTIONS.flip &&
    options.templateScale === DEFAULT_ANALYZER_OPTIONS.templateScale &&
    options.scaleJitter.join() === DEFAULT_ANALYZER_OPTIONS.scaleJitter.join() &&
    options.templateShiftY === DEFAULT_ANALYZER_OPTIONS.templateShiftY &&
    options.refineLandmarks === DEFAULT_ANALYZER_OPTIONS.refineLandmarks &&
    options.arcFace === DEFAULT_ANALYZER_OPTIONS.arcFace;
  const variant = standard
    ? PIPELINE_VERSION
    : `custom-f${Number(options.flip)}-r${Number(options.refineLandmarks)}-s${options.templateScale}x${options.scaleJitter.join('/')}-y${options.templateShiftY}-arc${Number(options.arcFace)}`;
  const fused = options.arcFace;
  return {
    name: fused ? MODEL_NAME : 'faceapi-resnet128',
    version: fused ? `${versions.faceApi}+${ARC_FACE_WEIGHTS}+${variant}` : `${versions.faceApi}+${variant}`,
    dimensions: fused ? EMBEDDING_DIMENSIONS : FACE_API_DIMENSIONS,
    threshold: fused ? DEFAULT_MATCH_THRESHOLD : FACE_API_ONLY_THRESHOLD,
  };
}
