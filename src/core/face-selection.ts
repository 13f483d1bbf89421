import { boxArea, boxCentre, type DetectedFace } from './face.ts';

/** Which faces of a photo count: all of them, the largest, or the one nearest the photo's centre. */
export type FaceSelection = 'all' | 'largest' | 'center';

export function selectFaces(
  faces: readonly DetectedFace[],
  selection: FaceSelection,
  width: number,
  height: number,
): DetectedFace[] {
  if (selection === 'all' || faces.length <= 1) return [...faces];
  let best: DetectedFace | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const face of faces) {
    const c = boxCentre(face.box);
    const score =
      selection === 'largest' ? -boxArea(face.box) : Math.hypot(c.x - width / 2, c.y - height / 2);
    if (score < bestScore) {
      bestScore = score;
      best = face;
    }
  }
  return best ? [best] : [];
}

/**
 * How much larger (in box area) the main face of an enrolment photo must be than any other face in
 * it. A group photo's bystanders are smaller; two faces of about the same size leave it open whom the
 * photo is of.
 */
export const DOMINANT_FACE_AREA_RATIO = 2;

/**
 * The face a photo is *of*: its only face, or its largest face when every other face is at most half
 * its area (people behind the subject, a face on a poster). Null when there is no face, or when two
 * faces are too close in size to tell.
 */
export function dominantFace(faces: readonly DetectedFace[]): DetectedFace | null {
  if (faces.length <= 1) return faces[0] ?? null;
  const bySize = [...faces].sort((a, b) => boxArea(b.box) - boxArea(a.box));
  const [first, second] = bySize as [DetectedFace, DetectedFace];
  return boxArea(first.box) >= DOMINANT_FACE_AREA_RATIO * boxArea(second.box) ? first : null;
}
