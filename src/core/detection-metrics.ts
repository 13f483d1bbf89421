/**
 * Detector scoring on annotated photos, with the practical rules of wider-dev's README: invalid
 * faces and faces under 20 px tall are ignored (a detection on them counts neither way), recall is
 * reported for faces at least 40 px tall and for 20–40 px, and a detection matches a face when each
 * box holds the other's centre and their heights are within a factor of 2 (detectors frame faces
 * differently; a looser box is not an error).
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface AnnotatedFace extends Rect {
  /** Marked invalid by the annotators. */
  invalid?: boolean;
}

export interface ScoredRect extends Rect {
  score: number;
}

/** Smallest face height that counts at all, and the height from which a face counts as "large". */
export const MIN_SCORED_HEIGHT = 20;
export const LARGE_FACE_HEIGHT = 40;

export interface PhotoDetectionCounts {
  largeFaces: number;
  largeFound: number;
  smallFaces: number;
  smallFound: number;
  /** Detections that matched a scored face. */
  truePositives: number;
  /** Detections that matched neither a scored nor an ignored face. */
  falsePositives: number;
}

function holdsCentreOf(outer: Rect, inner: Rect): boolean {
  const cx = inner.left + inner.width / 2;
  const cy = inner.top + inner.height / 2;
  return (
    cx >= outer.left && cx <= outer.left + outer.width && cy >= outer.top && cy <= outer.top + outer.height
  );
}

/** The matching rule: each box holds the other's centre, heights within a factor of 2. */
export function boxesMatch(detection: Rect, face: Rect): boolean {
  const ratio = detection.height / face.height;
  return ratio >= 0.5 && ratio <= 2 && holdsCentreOf(detection, face) && holdsCentreOf(face, detection);
}

function centreDistance(a: Rect, b: Rect): number {
  return Math.hypot(a.left + a.width / 2 - b.left - b.width / 2, a.top + a.height / 2 - b.top - b.height / 2);
}

/**
 * Counts one photo: detections are taken best score first, each matched to the nearest unmatched
 * scored face it fits (one detection per face); a detection that fits no free scored face but fits
 * an ignored one is not counted; any other (a duplicate box included) is a false positive.
 */
export function countPhoto(
  faces: readonly AnnotatedFace[],
  detections: readonly ScoredRect[],
): PhotoDetectionCounts {
  const scored = faces.filter((f) => !f.invalid && f.height >= MIN_SCORED_HEIGHT);
  const ignored = faces.filter((f) => f.invalid || f.height < MIN_SCORED_HEIGHT);
  const taken = new Set<number>();
  let truePositives = 0;
  let falsePositives = 0;
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestDistance = Number.POSITIVE_INFINITY;
    scored.forEach((f, i) => {
      if (taken.has(i) || !boxesMatch(d, f)) return;
      const distance = centreDistance(d, f);
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    });
    if (best >= 0) {
      taken.add(best);
      truePositives++;
    } else if (!ignored.some((f) => boxesMatch(d, f))) {
      // a second box on a face already found is a false positive too
      falsePositives++;
    }
  }
  let largeFaces = 0;
  let largeFound = 0;
  let smallFaces = 0;
  let smallFound = 0;
  scored.forEach((f, i) => {
    if (f.height >= LARGE_FACE_HEIGHT) {
      largeFaces++;
      if (taken.has(i)) largeFound++;
    } else {
      smallFaces++;
      if (taken.has(i)) smallFound++;
    }
  });
  return { largeFaces, largeFound, smallFaces, smallFound, truePositives, falsePositives };
}

export interface DetectionReport {
  photos: number;
  largeFaces: number;
  smallFaces: number;
  /** Share of faces ≥ 40 px tall found. */
  recallLarge: number;
  /** Share of faces 20–40 px tall found. */
  recallSmall: number;
  falsePositivesPerPhoto: number;
  /** Matched detections over all counted detections. */
  precision: number;
}

export function summarise(counts: readonly PhotoDetectionCounts[]): DetectionReport {
  const sum = (pick: (c: PhotoDetectionCounts) => number) => counts.reduce((s, c) => s + pick(c), 0);
  const largeFaces = sum((c) => c.largeFaces);
  const smallFaces = sum((c) => c.smallFaces);
  const tp = sum((c) => c.truePositives);
  const fp = sum((c) => c.falsePositives);
  return {
    photos: counts.length,
    largeFaces,
    smallFaces,
    recallLarge: largeFaces ? sum((c) => c.largeFound) / largeFaces : 0,
    recallSmall: smallFaces ? sum((c) => c.smallFound) / smallFaces : 0,
    falsePositivesPerPhoto: counts.length ? fp / counts.length : 0,
    precision: tp + fp ? tp / (tp + fp) : 1,
  };
}
