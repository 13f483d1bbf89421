import type { ModelInfo } from '../core/face.ts';
import { type AnalyzerOptions, DEFAULT_ANALYZER_OPTIONS } from './face-analyzer.ts';

export const MODEL_NAME = 'faceapi-resnet128';
/** Bump when anything that changes embeddings changes (weights, alignment, augmentation). */
export const PIPELINE_VERSION = 'tmpl0.9-refine-flip';

/**
 * Default open-set threshold (Euclidean distance between L2-normalised embeddings): the mean of the
 * ten fold thresholds of `faceflow eval` on lfw-dev/pairs.tsv for this model version (see docs/adr/0002).
 */
export const DEFAULT_MATCH_THRESHOLD = 0.416;

export function modelInfo(
  faceApiVersion: string,
  options: AnalyzerOptions = DEFAULT_ANALYZER_OPTIONS,
): ModelInfo {
  const standard =
    options.flip === DEFAULT_ANALYZER_OPTIONS.flip &&
    options.templateScale === DEFAULT_ANALYZER_OPTIONS.templateScale &&
    options.scaleJitter.join() === DEFAULT_ANALYZER_OPTIONS.scaleJitter.join() &&
    options.templateShiftY === DEFAULT_ANALYZER_OPTIONS.templateShiftY &&
    options.refineLandmarks === DEFAULT_ANALYZER_OPTIONS.refineLandmarks;
  const variant = standard
    ? PIPELINE_VERSION
    : `custom-f${Number(options.flip)}-r${Number(options.refineLandmarks)}-s${options.templateScale}x${options.scaleJitter.join('/')}-y${options.templateShiftY}`;
  return {
    name: MODEL_NAME,
    version: `${faceApiVersion}+${variant}`,
    dimensions: 128,
    threshold: DEFAULT_MATCH_THRESHOLD,
  };
}
