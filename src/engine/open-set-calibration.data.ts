// Written by `npm run fit:open-set -- --write` (scripts/fit-open-set.ts): do not edit by hand.
// The 1:N calibration of each model version (see src/core/open-set.ts and docs/adr/0002).
import type { OpenSetCalibration } from '../core/open-set.ts';

export const OPEN_SET_CALIBRATIONS: readonly OpenSetCalibration[] = [
  {
    modelName: 'faceapi-resnet128+faceres1024',
    pipelineVersion: 'yunet-tmpl0.9-refine-flip+faceres-tmpl0.8-centred-w0.28',
    targetFpir: 0.01,
    maxThreshold: 0.525,
    fittedOn:
      'lfw-dev, people whose folder names sort in the first half (862 of 1725): 1792926 impostor comparisons, probit-linear tail fitted from FMR 1e-2 to 1.8e-5, the line 99 % of 200 person-bootstrap refits lie above (npm run fit:open-set)',
    impostorTail: {
      intercept: -10.877535,
      slope: 16.671209,
    },
  },
];
