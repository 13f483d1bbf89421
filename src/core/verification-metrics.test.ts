import { describe, expect, it } from 'vitest';
import { accuracyAt, bestThreshold, evaluateVerification, rocAuc, tarAtFar } from './verification-metrics.ts';

describe('verification metrics', () => {
  it('picks the threshold that separates the pairs best', () => {
    const pairs = [
      { same: true, distance: 0.2 },
      { same: true, distance: 0.3 },
      { same: false, distance: 0.5 },
      { same: false, distance: 0.7 },
    ];
    const t = bestThreshold(pairs);
    expect(t).toBeGreaterThan(0.3);
    expect(t).toBeLessThan(0.5);
    expect(accuracyAt(pairs, t)).toBe(1);
    expect(rocAuc(pairs)).toBe(1);
  });

  it('counts a missed face as an error and ranks it last', () => {
    const pairs = [
      { same: true, distance: 0.2 },
      { same: true, distance: null },
      { same: false, distance: 0.8 },
      { same: false, distance: null },
    ];
    expect(accuracyAt(pairs, 0.5)).toBe(0.5);
    expect(rocAuc(pairs)).toBeCloseTo(0.625, 10);
  });

  it('computes TAR at a FAR level from the impostor distances', () => {
    const pairs = [
      ...Array.from({ length: 100 }, (_, i) => ({ same: false, distance: 0.5 + i / 100 })),
      { same: true, distance: 0.1 },
      { same: true, distance: 0.505 },
      { same: true, distance: 0.9 },
      { same: true, distance: null },
    ];
    // FAR 1 % allows one impostor (0.50) accepted: accept < 0.51 → 0.1 and 0.505.
    expect(tarAtFar(pairs, 0.01)).toBe(0.5);
    expect(tarAtFar(pairs, 0.001)).toBe(0.25);
  });

  it('runs ten folds, thresholds chosen on the other nine', () => {
    const pairs = Array.from({ length: 100 }, (_, i) => ({
      same: i % 2 === 0,
      distance: i % 2 === 0 ? 0.3 : 0.7,
    }));
    pairs[5] = { same: false, distance: 0.2 }; // one hard impostor in fold 0
    const report = evaluateVerification(pairs);
    expect(report.foldAccuracies).toHaveLength(10);
    expect(report.foldAccuracies[0]).toBe(0.9);
    expect(report.accuracy).toBeCloseTo(0.99, 10);
    expect(report.std).toBeCloseTo(0.03, 10);
    expect(report.threshold).toBeGreaterThan(0.3);
    expect(report.threshold).toBeLessThan(0.7);
  });
});
