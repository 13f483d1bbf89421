/**
 * Open-set identification metrics (ISO/IEC 19795-1 terms). A probe whose face was not found gets no
 * name: a miss when it is mated, a correct rejection when it is not.
 *  - FPIR (false-positive identification rate): share of non-mated probes that were given a name.
 *  - FNIR (false-negative identification rate): share of mated probes not given their own name.
 *  - rank-1: share of mated probes whose nearest enrolled person is their own, threshold aside.
 */
export interface ScoredProbe {
  mated: boolean;
  /** The probe's true person. */
  person: string;
  /** Whether a face was found in the probe. */
  found: boolean;
  /** The nearest enrolled person and distance, or null (no face, or an empty gallery). */
  nearest: { personId: string; distance: number } | null;
  /** The name the decision under test gave, or null for "unknown". */
  named: string | null;
}

export interface IdentificationReport {
  mated: number;
  nonMated: number;
  rank1: number;
  fpir: number;
  fnir: number;
  /** FNIR at the largest best-match distance threshold with FPIR ≤ 1 %, and ≤ 0.1 %. */
  fnirAtFpir1e2: number;
  fnirAtFpir1e3: number;
  /** The thresholds those two figures were read at (+∞ when every non-mated probe may be named). */
  thresholdAtFpir1e2: number;
  thresholdAtFpir1e3: number;
}

const ratio = (n: number, d: number) => (d === 0 ? 0 : n / d);

/**
 * The largest best-match threshold t (accept when distance < t) that names at most `fpir` of the
 * non-mated probes; +∞ when the budget covers all of them.
 */
export function thresholdAtFpir(nonMated: readonly ScoredProbe[], fpir: number): number {
  const distances = nonMated
    .map((p) => p.nearest?.distance ?? Number.POSITIVE_INFINITY)
    .sort((a, b) => a - b);
  const allowed = Math.floor(fpir * nonMated.length + 1e-9);
  return distances[allowed] ?? Number.POSITIVE_INFINITY;
}

/** FNIR when every probe whose nearest distance is below `threshold` is named after that person. */
export function fnirBelow(mated: readonly ScoredProbe[], threshold: number): number {
  const hits = mated.filter(
    (p) => p.nearest !== null && p.nearest.personId === p.person && p.nearest.distance < threshold,
  ).length;
  return 1 - ratio(hits, mated.length);
}

export function identificationReport(probes: readonly ScoredProbe[]): IdentificationReport {
  const mated = probes.filter((p) => p.mated);
  const nonMated = probes.filter((p) => !p.mated);
  const t2 = thresholdAtFpir(nonMated, 0.01);
  const t3 = thresholdAtFpir(nonMated, 0.001);
  return {
    mated: mated.length,
    nonMated: nonMated.length,
    rank1: ratio(mated.filter((p) => p.nearest?.personId === p.person).length, mated.length),
    fpir: ratio(nonMated.filter((p) => p.named !== null).length, nonMated.length),
    fnir: ratio(mated.filter((p) => p.named !== p.person).length, mated.length),
    fnirAtFpir1e2: fnirBelow(mated, t2),
    fnirAtFpir1e3: fnirBelow(mated, t3),
    thresholdAtFpir1e2: t2,
    thresholdAtFpir1e3: t3,
  };
}
