// Written by `npm run fit:open-set -- --write` (scripts/fit-open-set.ts): do not edit by hand.
// The 1:N calibration of each model version (see src/core/open-set.ts and docs/adr/0002).
import type { OpenSetCalibration } from '../core/open-set.ts';

export const OPEN_SET_CALIBRATIONS: readonly OpenSetCalibration[] = [
  {
    modelName: 'faceapi-resnet128+arcface512',
    pipelineVersion: 'yunet-tmpl0.9-refine-flip+arcface5pt-flip-w1',
    targetFpir: 0.01,
    maxThreshold: 0.9,
    fittedOn:
      'lfw-dev, people whose folder names sort in the first half (862 of 1725): 1792926 impostor comparisons, probit-linear tail fitted from FMR 1e-2 to 1.8e-5, the line 99 % of 200 person-bootstrap refits lie above (npm run fit:open-set)',
    impostorTail: {
      intercept: -14.822083,
      slope: 13.880892,
    },
  },
];
