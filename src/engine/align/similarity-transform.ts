import type { Point } from '../../core/face.ts';
import type { RawImage } from '../decode/raw-image.ts';

/** x' = a·x − b·y + tx,  y' = b·x + a·y + ty  (rotation, uniform scale, translation). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Least-squares similarity transform taking `from[i]` onto `to[i]` (Umeyama, no reflection). */
export function estimateSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2) {
    throw new RangeError('need at least two corresponding points');
  }
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let gx = 0;
  let gy = 0;
  for (let i = 0; i < n; i++) {
    fx += (from[i] as Point).x;
    fy += (from[i] as Point).y;
    gx += (to[i] as Point).x;
    gy += (to[i] as Point).y;
  }
  fx /= n;
  fy /= n;
  gx /= n;
  gy /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = (from[i] as Point).x - fx;
    const py = (from[i] as Point).y - fy;
    const qx = (to[i] as Point).x - gx;
    const qy = (to[i] as Point).y - gy;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm === 0) throw new RangeError('source points are all identical');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: gx - (a * fx - b * fy), ty: gy - (b * fx + a * fy) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

/** Scale factor of the transform (output pixels per input pixel). */
export function similarityScale(t: Similarity): number {
  return Math.hypot(t.a, t.b);
}

function sampleBilinear(image: RawImage, x: number, y: number, out: Float64Array): void {
  const maxX = image.width - 1;
  const maxY = image.height - 1;
  const cx = Math.min(Math.max(x, 0), maxX);
  const cy = Math.min(Math.max(y, 0), maxY);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = x0 < maxX ? x0 + 1 : x0;
  const y1 = y0 < maxY ? y0 + 1 : y0;
  const wx = cx - x0;
  const wy = cy - y0;
  const data = image.data;
  const i00 = (y0 * image.width + x0) * 3;
  const i01 = (y0 * image.width + x1) * 3;
  const i10 = (y1 * image.width + x0) * 3;
  const i11 = (y1 * image.width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = (data[i00 + c] as number) * (1 - wx) + (data[i01 + c] as number) * wx;
    const bottom = (data[i10 + c] as number) * (1 - wx) + (data[i11 + c] as number) * wx;
    out[c] = (out[c] as number) + top * (1 - wy) + bottom * wy;
  }
}

/**
 * Warps `image` into a `size`×`size` RGB chip: chip pixel (u, v) shows image point
 * `inverse(toChip)(u, v)`. When the chip is smaller than the face, each chip pixel averages
 * a grid of samples over its footprint, so downscaling does not alias.
 */
export function warpToChip(image: RawImage, toChip: Similarity, size: number): Uint8Array {
  const fromChip = invertSimilarity(toChip);
  const footprint = 1 / similarityScale(toChip);
  const grid = Math.min(6, Math.max(1, Math.ceil(footprint - 0.25)));
  const out = new Uint8Array(size * size * 3);
  const acc = new Float64Array(3);
  const weight = 1 / (grid * grid);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      acc.fill(0);
      for (let gy = 0; gy < grid; gy++) {
        const sy = v + (gy + 0.5) / grid - 0.5;
        for (let gx = 0; gx < grid; gx++) {
          const sx = u + (gx + 0.5) / grid - 0.5;
          const x = fromChip.a * sx - fromChip.b * sy + fromChip.tx;
          const y = fromChip.b * sx + fromChip.a * sy + fromChip.ty;
          sampleBilinear(image, x, y, acc);
        }
      }
      const o = (v * size + u) * 3;
      out[o] = Math.round((acc[0] as number) * weight);
      out[o + 1] = Math.round((acc[1] as number) * weight);
      out[o + 2] = Math.round((acc[2] as number) * weight);
    }
  }
  return out;
}

export function mirrorChip(chip: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(chip.length);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const src = (v * size + u) * 3;
      const dst = (v * size + (size - 1 - u)) * 3;
      out[dst] = chip[src] as number;
      out[dst + 1] = chip[src + 1] as number;
      out[dst + 2] = chip[src + 2] as number;
    }
  }
  return out;
}
