import type { ModelInfo } from '../core/face.ts';
import { type MatchPolicy, matchPolicy, type OpenSetCalibration } from '../core/open-set.ts';
import { OPEN_SET_CALIBRATIONS } from './open-set-calibration.data.ts';

/**
 * The 1:N (open-set identification) calibration of `model`: open-set-calibration.data.ts, written by
 * `npm run fit:open-set` (docs/adr/0002), matched on the model name and the pipeline version its
 * version ends with. Null for a model without one (a custom pipeline variant, the face-api-only model).
 */
export function openSetCalibrationFor(model: Pick<ModelInfo, 'name' | 'version'>): OpenSetCalibration | null {
  return (
    OPEN_SET_CALIBRATIONS.find(
      (c) => c.modelName === model.name && model.version.endsWith(`+${c.pipelineVersion}`),
    ) ?? null
  );
}

/**
 * How identification decides for `model`: an explicit threshold (MATCH_THRESHOLD, --tolerance) as a
 * fixed threshold; otherwise the model's 1:N calibration; otherwise its 1:1 threshold.
 */
export function defaultMatchPolicy(model: ModelInfo, explicitThreshold?: number): MatchPolicy {
  return matchPolicy(explicitThreshold, openSetCalibrationFor(model), model.threshold);
}
