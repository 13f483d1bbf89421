import { describe, expect, it } from 'vitest';
import { l2Normalize } from './embedding.ts';
import { Gallery } from './gallery.ts';
import { normalQuantile } from './normal-quantile.ts';
import {
  calibratedThreshold,
  decideIdentity,
  type MatchPolicy,
  matchPolicy,
  type OpenSetCalibration,
  policyOf,
} from './open-set.ts';
import { cautiousTail, fitImpostorTail } from './open-set-fit.ts';

const calibration: OpenSetCalibration = {
  modelName: 'm',
  pipelineVersion: 'p1',
  targetFpir: 0.01,
  // probit(FMR(d)) = -12 + 10·d: FMR 1 % at d ≈ 0.967, 0.001 % at d ≈ 0.774.
  impostorTail: { intercept: -12, slope: 10 },
  maxThreshold: 0.9,
  fittedOn: 'synthetic',
};
const calibrated: MatchPolicy = { kind: 'calibrated', calibration };

describe('normalQuantile', () => {
  it('gives the standard normal quantiles, deep in the lower tail too', () => {
    const known: [number, number][] = [
      [1e-9, -5.997807015],
      [1e-6, -4.753424309],
      [1e-4, -3.719016485],
      [0.01, -2.326347874],
      [0.2, -0.841621234],
      [0.999, 3.090232306],
    ];
    for (const [p, z] of known) expect(normalQuantile(p)).toBeCloseTo(z, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(Number.isNaN(normalQuantile(1.5))).toBe(true);
  });
});

describe('calibratedThreshold', () => {
  it('asks each comparison for targetFpir / N, so the threshold tightens as the gallery grows', () => {
    const at = (n: number) => calibratedThreshold(calibration, n);
    expect(at(10)).toBeCloseTo((normalQuantile(0.001) + 12) / 10, 10);
    expect(at(863)).toBeCloseTo((normalQuantile(0.01 / 863) + 12) / 10, 10);
    expect(at(100)).toBeLessThan(at(10));
    expect(at(1000)).toBeLessThan(at(100));
  });

  it('never goes beyond maxThreshold, and treats an empty gallery as one person', () => {
    expect(calibratedThreshold(calibration, 1)).toBe(0.9);
    expect(calibratedThreshold(calibration, 0)).toBe(calibratedThreshold(calibration, 1));
  });
});

describe('decideIdentity', () => {
  it('names the nearest person within the threshold and reports the operating point', () => {
    const d = decideIdentity(
      [
        { personId: 'ann', distance: 0.5 },
        { personId: 'bob', distance: 0.8 },
      ],
      100,
      calibrated,
    );
    expect(d.match).toEqual({ personId: 'ann', distance: 0.5 });
    expect(d.nearest).toEqual({ personId: 'ann', distance: 0.5 });
    expect(d.operatingPoint).toMatchObject({
      distance: 0.5,
      secondDistance: 0.8,
      policy: 'calibrated',
      galleryPeople: 100,
      reason: 'matched',
    });
    expect(d.operatingPoint.margin).toBeCloseTo(0.3, 10);
    expect(d.operatingPoint.threshold).toBeCloseTo(calibratedThreshold(calibration, 100), 12);
  });

  it('leaves a face unknown beyond the threshold, still telling who was nearest', () => {
    const d = decideIdentity([{ personId: 'ann', distance: 0.85 }], 1000, calibrated);
    expect(d.match).toBeNull();
    expect(d.nearest?.personId).toBe('ann');
    expect(d.operatingPoint.reason).toBe('above_threshold');
    expect(d.operatingPoint.secondDistance).toBeNull();
    expect(d.operatingPoint.margin).toBeNull();
  });

  it('accepts at 0.85 with one person enrolled but not with a thousand (the gallery-size rule)', () => {
    expect(decideIdentity([{ personId: 'ann', distance: 0.85 }], 1, calibrated).match).not.toBeNull();
    expect(decideIdentity([{ personId: 'ann', distance: 0.85 }], 1000, calibrated).match).toBeNull();
  });

  it('answers empty_gallery when nobody is enrolled', () => {
    const d = decideIdentity([], 0, calibrated);
    expect(d).toMatchObject({
      match: null,
      nearest: null,
      operatingPoint: { reason: 'empty_gallery', distance: null },
    });
  });

  it('applies a fixed threshold unchanged at every gallery size', () => {
    const fixed: MatchPolicy = { kind: 'fixed', threshold: 0.6 };
    for (const n of [1, 10, 10_000]) {
      const d = decideIdentity([{ personId: 'ann', distance: 0.59 }], n, fixed);
      expect(d.match?.personId).toBe('ann');
      expect(d.operatingPoint).toMatchObject({ threshold: 0.6, policy: 'fixed' });
    }
    expect(decideIdentity([{ personId: 'ann', distance: 0.61 }], 1, fixed).match).toBeNull();
  });
});

describe('matchPolicy', () => {
  it('lets an explicit threshold override the calibration, and falls back to the 1:1 threshold', () => {
    expect(matchPolicy(0.4, calibration, 0.5)).toEqual({ kind: 'fixed', threshold: 0.4 });
    expect(matchPolicy(undefined, calibration, 0.5)).toEqual(calibrated);
    expect(matchPolicy(undefined, null, 0.5)).toEqual({ kind: 'fixed', threshold: 0.5 });
    expect(policyOf({ threshold: 0.3 }, 0.5)).toEqual({ kind: 'fixed', threshold: 0.3 });
    expect(policyOf({ match: calibrated, threshold: 0.3 }, 0.5)).toBe(calibrated);
    expect(policyOf({}, 0.5)).toEqual({ kind: 'fixed', threshold: 0.5 });
  });
});

describe('Gallery.decide', () => {
  const model = { name: 'm', version: 'x+p1', dimensions: 3, threshold: 0.5 };
  const v = (...xs: number[]) => l2Normalize(new Float32Array(xs));

  it('counts people, not embeddings, and reports the second-best person (not the same one again)', () => {
    const g = new Gallery(model);
    g.add('ann', v(1, 0, 0));
    g.add('ann', v(1, 0.05, 0));
    g.add('bob', v(1, 0.6, 0));
    g.add('cy', v(0, 0, 1));
    const d = g.decide(v(1, 0.02, 0), calibrated);
    expect(d.operatingPoint.galleryPeople).toBe(3);
    expect(d.match?.personId).toBe('ann');
    expect(d.operatingPoint.secondDistance).toBeCloseTo(g.search(v(1, 0.02, 0), 2)[1]?.distance ?? 0, 6);
  });

  it('uses every enrolled photo of a person: the closest one decides', () => {
    const g = new Gallery(model);
    g.add('ann', v(0, 1, 0));
    g.add('ann', v(1, 0, 0));
    g.add('bob', v(0, 0, 1));
    expect(g.decide(v(1, 0.01, 0), calibrated).match?.personId).toBe('ann');
  });

  it('answers empty_gallery on an empty gallery', () => {
    expect(new Gallery(model).decide(v(1, 0, 0), calibrated).operatingPoint.reason).toBe('empty_gallery');
  });
});

describe('fitImpostorTail', () => {
  it('recovers a normal distribution of distances from its lower tail', () => {
    // Impostor distances ~ Normal(1.3, 0.1): probit(FMR(d)) = (d − 1.3) / 0.1 = −13 + 10·d.
    const n = 200_000;
    const sorted = Float64Array.from({ length: n }, (_, i) => 1.3 + 0.1 * normalQuantile((i + 0.5) / n));
    const fit = fitImpostorTail(sorted);
    expect(fit.slope).toBeCloseTo(10, 1);
    expect(fit.intercept).toBeCloseTo(-13, 1);
    expect(fit.points[0]?.fmr).toBeCloseTo(0.01, 10);
    expect(() => fitImpostorTail(sorted.slice(0, 1000))).toThrow(RangeError);
  });
});

describe('cautiousTail', () => {
  it('keeps the line that the chosen share of refits lie above, at both ends of the tail', () => {
    // 101 refits of probit = −12 + 10·d shifted by −0.5 … +0.5 probit units.
    const fits = Array.from({ length: 101 }, (_, i) => ({ intercept: -12 + (i - 50) / 100, slope: 10 }));
    const line = cautiousTail(fits, 0.9);
    // The 10th percentile of the distances is the refit shifted by +0.4 (larger intercept, smaller d).
    expect(line.slope).toBeCloseTo(10, 6);
    expect(line.intercept).toBeCloseTo(-11.6, 6);
    const threshold = (f: { intercept: number; slope: number }) =>
      (normalQuantile(1e-4) - f.intercept) / f.slope;
    const below = fits.filter((f) => threshold(f) < threshold(line) - 1e-12).length;
    expect(below).toBeLessThanOrEqual(10);
  });
});
