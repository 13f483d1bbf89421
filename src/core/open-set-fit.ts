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
  const points: { fmr: number; distance: number }[] = [];
  for (let j = 0; ; j++) {
    const fmr = 10 ** (-2 - j / 4);
    if (fmr * n < minCount) break;
    points.push({ fmr, distance: sorted[Math.floor(fmr * n)] as number });
  }
  if (points.length < 3)
    throw new RangeError(
      `need more impostor comparisons to fit a tail (have ${n}, at least ${minCount * 1000})`,
    );
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
  return { intercept: -a / b, slope: 1 / b, points };
}

/** The calibration of a model from its fitted impostor tail. */
export function calibrationFromTail(
  tail: TailFit,
  options: Omit<OpenSetCalibration, 'impostorTail'>,
): OpenSetCalibration {
  return { ...options, impostorTail: { intercept: tail.intercept, slope: tail.slope } };
}
