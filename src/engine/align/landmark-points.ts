import type { Point } from '../../core/face.ts';

/** Mean of landmarks `from` … `to − 1` (an eye's six points give its centre). */
export function meanPoint(points: readonly Point[], from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i++) {
    x += (points[i] as Point).x;
    y += (points[i] as Point).y;
  }
  return { x: x / (to - from), y: y / (to - from) };
}
