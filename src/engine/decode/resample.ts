import type { RawImage } from './raw-image.ts';

export interface Window {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Bilinear resampling of the square [x0, x0+side) × [y0, y0+side) of an RGB image to out×out floats,
 * where pixels outside `window` (and outside the image) read as 0. It computes exactly what face-api
 * feeds its networks (crop → zero-pad to a square → tf.image.resizeBilinear without half-pixel
 * centres), straight from the decoded bytes, so no full-size image tensor is ever allocated in the
 * WASM heap (which never shrinks).
 */
export function resampleSquare(
  image: RawImage,
  window: Window,
  x0: number,
  y0: number,
  side: number,
  out: number,
): Float32Array {
  const result = new Float32Array(out * out * 3);
  const scale = side / out;
  const wx0 = Math.max(0, window.x);
  const wy0 = Math.max(0, window.y);
  const wx1 = Math.min(image.width, window.x + window.width);
  const wy1 = Math.min(image.height, window.y + window.height);
  const data = image.data;
  const rowLength = image.width * 3;
  const pixel = (px: number, py: number, c: number): number => {
    const x = x0 + px;
    const y = y0 + py;
    if (x < wx0 || x >= wx1 || y < wy0 || y >= wy1) return 0;
    return data[y * rowLength + x * 3 + c] as number;
  };
  for (let oy = 0; oy < out; oy++) {
    const sy = oy * scale;
    const top = Math.floor(sy);
    const bottom = Math.min(top + 1, side - 1);
    const fy = sy - top;
    for (let ox = 0; ox < out; ox++) {
      const sx = ox * scale;
      const left = Math.floor(sx);
      const right = Math.min(left + 1, side - 1);
      const fx = sx - left;
      const o = (oy * out + ox) * 3;
      for (let c = 0; c < 3; c++) {
        const tl = pixel(left, top, c);
        const tr = pixel(right, top, c);
        const bl = pixel(left, bottom, c);
        const br = pixel(right, bottom, c);
        const upper = tl + (tr - tl) * fx;
        const lower = bl + (br - bl) * fx;
        result[o + c] = upper + (lower - upper) * fy;
      }
    }
  }
  return result;
}
