// Placeholder: replaced by `npm run fit:open-set`.
import type { OpenSetCalibration } from '../core/open-set.ts';

export const OPEN_SET_CALIBRATIONS: readonly OpenSetCalibration[] = [];
