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
