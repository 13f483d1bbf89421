/**
 * Face verification metrics, LFW protocol: pairs are split into ten consecutive folds; for each
 * fold the threshold that maximises accuracy on the other nine is applied to it. A pair whose face
 * was not found (distance null) counts as an error in every fold and in every rate.
 */
export interface ScoredPair {
  same: boolean;
  /** Euclidean distance, or null when a face of the pair was not found. */
  distance: number | null;
}

export interface VerificationReport {
  pairs: number;
  accuracy: number;
  std: number;
  foldAccuracies: number[];
  foldThresholds: number[];
  /** Mean of the ten fold thresholds. */
  threshold: number;
  auc: number;
  tarAtFar1e2: number;
  tarAtFar1e3: number;
  missedFacePairs: number;
}

/** Threshold (accept when distance ≤ t) with the most correct decisions among `pairs`. */
export function bestThreshold(pairs: readonly ScoredPair[]): number {
  const scored = pairs.filter((p) => p.distance !== null) as Array<{ same: boolean; distance: number }>;
  scored.sort((a, b) => a.distance - b.distance);
  if (scored.length === 0) return 0;
  // Start with t below every distance: all rejected → correct = number of "diff" pairs.
  let correct = scored.filter((p) => !p.same).length;
  let best = correct;
  let bestT = (scored[0] as { distance: number }).distance - 1e-6;
  for (let i = 0; i < scored.length; i++) {
    const p = scored[i] as { same: boolean; distance: number };
    correct += p.same ? 1 : -1;
    const next = scored[i + 1];
    if (next && next.distance === p.distance) continue;
    if (correct > best) {
      best = correct;
      bestT = next ? (p.distance + next.distance) / 2 : p.distance + 1e-6;
    }
  }
  return bestT;
}

export function accuracyAt(pairs: readonly ScoredPair[], threshold: number): number {
  if (pairs.length === 0) return 0;
  let correct = 0;
  for (const p of pairs) {
    if (p.distance === null) continue;
    if (p.distance <= threshold === p.same) correct++;
  }
  return correct / pairs.length;
}

/** Area under the ROC curve; missed pairs rank as the least similar (distance +∞). */
export function rocAuc(pairs: readonly ScoredPair[]): number {
  const ranked = pairs.map((p) => ({ same: p.same, d: p.distance ?? Number.POSITIVE_INFINITY }));
  ranked.sort((a, b) => a.d - b.d);
  const positives = ranked.filter((p) => p.same).length;
  const negatives = ranked.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Mann–Whitney U with average ranks for ties: P(distance(same) < distance(diff)).
  let rankSumDiff = 0;
  let i = 0;
  while (i < ranked.length) {
    let j = i;
    while (j + 1 < ranked.length && (ranked[j + 1] as { d: number }).d === (ranked[i] as { d: number }).d)
      j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (!(ranked[k] as { same: boolean }).same) rankSumDiff += averageRank;
    i = j + 1;
  }
  const u = rankSumDiff - (negatives * (negatives + 1)) / 2;
  return u / (positives * negatives);
}

/** True-accept rate at the largest threshold whose false-accept rate is at most `far`. */
export function tarAtFar(pairs: readonly ScoredPair[], far: number): number {
  const diff = pairs
    .filter((p) => !p.same && p.distance !== null)
    .map((p) => p.distance as number)
    .sort((a, b) => a - b);
  const negatives = pairs.filter((p) => !p.same).length;
  const positives = pairs.filter((p) => p.same).length;
  if (negatives === 0 || positives === 0) return Number.NaN;
  const allowed = Math.floor(far * negatives);
  // Accept distances strictly below the (allowed+1)-th smallest impostor distance.
  const limit = allowed < diff.length ? (diff[allowed] as number) : Number.POSITIVE_INFINITY;
  const accepted = pairs.filter((p) => p.same && p.distance !== null && p.distance < limit).length;
  return accepted / positives;
}

export function evaluateVerification(pairs: readonly ScoredPair[], folds = 10): VerificationReport {
  const foldSize = Math.floor(pairs.length / folds);
  if (foldSize === 0) throw new RangeError(`need at least ${folds} pairs, got ${pairs.length}`);
  const foldAccuracies: number[] = [];
  const foldThresholds: number[] = [];
  for (let f = 0; f < folds; f++) {
    const start = f * foldSize;
    const end = f === folds - 1 ? pairs.length : start + foldSize;
    const test = pairs.slice(start, end);
    const train = [...pairs.slice(0, start), ...pairs.slice(end)];
    const threshold = bestThreshold(train);
    foldThresholds.push(threshold);
    foldAccuracies.push(accuracyAt(test, threshold));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const accuracy = mean(foldAccuracies);
  const std = Math.sqrt(mean(foldAccuracies.map((a) => (a - accuracy) ** 2)));
  return {
    pairs: pairs.length,
    accuracy,
    std,
    foldAccuracies,
    foldThresholds,
    threshold: mean(foldThresholds),
    auc: rocAuc(pairs),
    tarAtFar1e2: tarAtFar(pairs, 1e-2),
    tarAtFar1e3: tarAtFar(pairs, 1e-3),
    missedFacePairs: pairs.filter((p) => p.distance === null).length,
  };
}
