import { normalQuantile } from './normal-quantile.ts';
import type { OpenSetCalibration } from './open-set.ts';

export interface TailFit {
  /** probit(FMR(d)) ≈ intercept + slope·d. */
  intercept: number;
  slope: number;
  /** The (FMR, empirical distance) points the line was fitted to. */
  points: { fmr: number; distance: number }[];
}

/**
 * Fits the lower tail of impostor distances (`sorted` ascending, every comparison of two different
 * people) with a straight line on the probit scale: the empirical distance quantiles at FMR 1e-2,
 * 10^-2.25, … down to the rarest level that still has `minCount` comparisons below it, then least
 * squares of distance on probit(FMR) (distance is the noisy coordinate). Extrapolating that line gives
 * the distance for the very small per-comparison rates of a large gallery.
 */
export function fitImpostorTail(sorted: Float64Array | readonly number[], minCount = 25): TailFit {
  const n = sorted.length;
  const points = tailLevels(n, minCount).map((fmr) => ({
    fmr,
    distance: sorted[Math.floor(fmr * n)] as number,
  }));
  return { ...fitTailLine(points), points };
}

/** FMR levels 1e-2, 10^-2.25, … down to the rarest with at least `minCount` of `n` comparisons below it. */
export function tailLevels(n: number, minCount = 25): number[] {
  const levels: number[] = [];
  for (let j = 0; 10 ** (-2 - j / 4) * n >= minCount; j++) levels.push(10 ** (-2 - j / 4));
  if (levels.length < 3)
    throw new RangeError(
      `need more impostor comparisons to fit a tail (have ${n}, at least ${minCount * 1000})`,
    );
  return levels;
}

/** Least squares of distance on probit(FMR) through the points; returned as probit = intercept + slope·d. */
export function fitTailLine(points: readonly { fmr: number; distance: number }[]): {
  intercept: number;
  slope: number;
} {
  const zs = points.map((p) => normalQuantile(p.fmr));
  const ds = points.map((p) => p.distance);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mz = mean(zs);
  const md = mean(ds);
  let szz = 0;
  let szd = 0;
  zs.forEach((z, i) => {
    szz += (z - mz) * (z - mz);
    szd += (z - mz) * ((ds[i] as number) - md);
  });
  const b = szd / szz; // distance per probit unit
  const a = md - b * mz;
  return { intercept: -a / b, slope: 1 / b };
}

/**
 * A cautious tail from many refits (bootstrap replicates over people): at the per-comparison rates
 * 1e-2 and 1e-6 it takes the distance that only `1 − confidence` of the replicates go below, and
 * draws the line through those two points. Thresholds read off it hold with that confidence when
 * the enrolled people and the strangers are a different draw from the same kind of population.
 */
export function cautiousTail(
  fits: readonly { intercept: number; slope: number }[],
  confidence: number,
): { intercept: number; slope: number } {
  const at = (fmr: number) => {
    const z = normalQuantile(fmr);
    const ds = fits.map((f) => (z - f.intercept) / f.slope).sort((a, b) => a - b);
    return { fmr, distance: ds[Math.floor((1 - confidence) * (ds.length - 1) + 1e-9)] as number };
  };
  return fitTailLine([at(1e-2), at(1e-6)]);
}

/** The calibration of a model from its fitted impostor tail. */
export function calibrationFromTail(
  tail: { intercept: number; slope: number },
  options: Omit<OpenSetCalibration, 'impostorTail'>,
): OpenSetCalibration {
  return { ...options, impostorTail: { intercept: tail.intercept, slope: tail.slope } };
}
