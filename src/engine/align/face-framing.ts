import type { Point } from '../../core/face.ts';
import type { RawImage } from '../decode/raw-image.ts';
import { resampleSquare } from '../decode/resample.ts';
import type { Similarity } from './similarity-transform.ts';

export interface LandmarkBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The landmarks' bounding box grown by `padding` of its size (half on each side), as face-api frames faces. */
export function paddedLandmarkBox(points: readonly Point[], padding = 0.2): LandmarkBox {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  const w = maxX - minX;
  const h = maxY - minY;
  return {
    x: minX - (w * padding) / 2,
    y: minY - (h * padding) / 2,
    width: w * (1 + padding),
    height: h * (1 + padding),
  };
}

/**
 * face-api's own framing for its descriptor: the padded landmark box, cut out of the photo (whole
 * pixels, clipped), zero-padded to a centred square and resized bilinearly to size×size.
 */
export function boxChip(image: RawImage, points: readonly Point[], size: number): Uint8Array {
  const box = paddedLandmarkBox(points);
  const x = Math.max(0, Math.floor(box.x));
  const y = Math.max(0, Math.floor(box.y));
  const right = Math.min(image.width, Math.floor(box.x + box.width));
  const bottom = Math.min(image.height, Math.floor(box.y + box.height));
  const rect = { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
  const side = Math.max(rect.width, rect.height);
  const diff = side - Math.min(rect.width, rect.height);
  const before = diff - Math.round(diff * 0.5);
  const x0 = rect.width < rect.height ? rect.x - before : rect.x;
  const y0 = rect.height < rect.width ? rect.y - before : rect.y;
  const floats = resampleSquare(image, rect, x0, y0, side, size);
  const out = new Uint8Array(floats.length);
  for (let i = 0; i < floats.length; i++) out[i] = Math.round(floats[i] as number);
  return out;
}

function centreOf(points: readonly Point[], from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i++) {
    x += (points[i] as Point).x;
    y += (points[i] as Point).y;
  }
  return { x: x / (to - from), y: y / (to - from) };
}

/** The same square as `boxChip`, turned about its centre so that the eyes are level. */
export function levelledBoxTransform(points: readonly Point[], size: number): Similarity {
  const box = paddedLandmarkBox(points);
  const side = Math.max(box.width, box.height);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const left = centreOf(points, 36, 42);
  const right = centreOf(points, 42, 48);
  const roll = Math.atan2(right.y - left.y, right.x - left.x);
  const s = size / side;
  const a = s * Math.cos(-roll);
  const b = s * Math.sin(-roll);
  return { a, b, tx: size / 2 - (a * cx - b * cy), ty: size / 2 - (b * cx + a * cy) };
}
