/**
 * Open-set identification (1:N): is the nearest enrolled person really this face, or a stranger?
 *
 * A threshold fit for 1:1 verification fails here: with N people enrolled a stranger gets N chances
 * to fall within it of someone. The calibrated decision therefore scales the per-comparison false-match
 * rate with the gallery: it accepts the nearest person when their distance is within T(N), the distance
 * at which one impostor comparison matches with probability `targetFpir / N` (read off a probit-linear
 * fit of the lower tail of the model's impostor distances). By the union bound, the chance that a
 * stranger matches any of N people is then at most `targetFpir`, whatever N. The decision also reports
 * the second-best person, so callers see how clear-cut each answer was.
 */
import { normalQuantile } from './normal-quantile.ts';

export interface OpenSetCalibration {
  /** The model this calibration belongs to: its name and the pipeline version its version ends with. */
  modelName: string;
  pipelineVersion: string;
  /** FPIR the default operating point holds at any gallery size. */
  targetFpir: number;
  /**
   * Lower tail of the impostor distance distribution: probit(FMR(d)) ≈ intercept + slope·d, where
   * FMR(d) is the share of impostor comparisons (two different people) at distance ≤ d. The stored
   * line is a cautious one (a bootstrap bound over people, core/open-set-fit.ts), so that it also
   * holds for people other than those it was fitted on.
   */
  impostorTail: { intercept: number; slope: number };
  /** Never accept beyond this distance (a small gallery must not make the decision looser than 1:1). */
  maxThreshold: number;
  /** How and on what it was fitted (for people reading the data module). */
  fittedOn: string;
}

export interface RankedMatch {
  personId: string;
  distance: number;
}

/** Why a face was named or left unknown. */
export type MatchReason =
  /** The nearest person is within the threshold. */
  | 'matched'
  /** Nobody is enrolled. */
  | 'empty_gallery'
  /** The nearest person is farther than the threshold. */
  | 'above_threshold';

/** How the decision was taken: returned with every identification. */
export interface OperatingPoint {
  /** Distance to the nearest enrolled person (null when nobody is enrolled). */
  distance: number | null;
  /** Distance to the second-nearest enrolled person (null with fewer than two people). */
  secondDistance: number | null;
  /** secondDistance − distance (null with fewer than two people). */
  margin: number | null;
  /** The threshold applied. */
  threshold: number;
  /** People enrolled (the N the calibrated threshold was derived for). */
  galleryPeople: number;
  /** `calibrated`: the model's 1:N calibration; `fixed`: an explicit threshold (MATCH_THRESHOLD, --tolerance). */
  policy: 'calibrated' | 'fixed';
  reason: MatchReason;
}

export interface Identification {
  /** The nearest person when the decision accepts them, otherwise null ("unknown"). */
  match: RankedMatch | null;
  /** The nearest person, accepted or not (null when nobody is enrolled). */
  nearest: RankedMatch | null;
  operatingPoint: OperatingPoint;
}

/**
 * How to decide: the model's calibration (the default), or a fixed threshold the user asked for,
 * which then applies unchanged at every gallery size (the behaviour before calibration).
 */
export type MatchPolicy =
  | { kind: 'calibrated'; calibration: OpenSetCalibration }
  | { kind: 'fixed'; threshold: number };

/** An explicit threshold wins; otherwise the model's calibration; otherwise the model's 1:1 threshold. */
export function matchPolicy(
  explicitThreshold: number | undefined,
  calibration: OpenSetCalibration | null | undefined,
  modelThreshold: number,
): MatchPolicy {
  if (explicitThreshold !== undefined) return { kind: 'fixed', threshold: explicitThreshold };
  if (calibration) return { kind: 'calibrated', calibration };
  return { kind: 'fixed', threshold: modelThreshold };
}

/** The calibrated threshold for a gallery of `galleryPeople` people (at least one). */
export function calibratedThreshold(calibration: OpenSetCalibration, galleryPeople: number): number {
  const perComparison = calibration.targetFpir / Math.max(1, galleryPeople);
  const { intercept, slope } = calibration.impostorTail;
  const t = (normalQuantile(perComparison) - intercept) / slope;
  return Math.min(calibration.maxThreshold, t);
}

/** The threshold a policy applies to a gallery of `galleryPeople` people. */
export function policyThreshold(policy: MatchPolicy, galleryPeople: number): number {
  return policy.kind === 'fixed' ? policy.threshold : calibratedThreshold(policy.calibration, galleryPeople);
}

/**
 * Decides on one face from its nearest people (sorted by distance, each person once; at least the two
 * nearest when there are two) and the number of people enrolled.
 */
export function decideIdentity(
  nearest: readonly RankedMatch[],
  galleryPeople: number,
  policy: MatchPolicy,
): Identification {
  const threshold = policyThreshold(policy, galleryPeople);
  const [best, second] = nearest;
  const operatingPoint: OperatingPoint = {
    distance: best?.distance ?? null,
    secondDistance: second?.distance ?? null,
    margin: best && second ? second.distance - best.distance : null,
    threshold,
    galleryPeople,
    policy: policy.kind,
    reason: 'empty_gallery',
  };
  if (best === undefined) return { match: null, nearest: null, operatingPoint };
  const nearestMatch = { personId: best.personId, distance: best.distance };
  if (best.distance > threshold)
    return {
      match: null,
      nearest: nearestMatch,
      operatingPoint: { ...operatingPoint, reason: 'above_threshold' },
    };
  return {
    match: nearestMatch,
    nearest: nearestMatch,
    operatingPoint: { ...operatingPoint, reason: 'matched' },
  };
}

/**
 * The policy of a component's dependencies: `match` when given, otherwise the older `threshold`
 * setting as a fixed threshold, otherwise the model's 1:1 threshold.
 */
export function policyOf(
  deps: { match?: MatchPolicy; threshold?: number },
  modelThreshold: number,
): MatchPolicy {
  return deps.match ?? { kind: 'fixed', threshold: deps.threshold ?? modelThreshold };
}
