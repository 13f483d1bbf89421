/**
 * A minimal YUV4MPEG2 writer, for Chromium's fake camera (`--use-file-for-fake-video-capture=<file>.y4m`):
 * a header line, then per frame `FRAME\n` and the I420 planes (full-size Y, quarter-size U and V).
 */

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, 3 bytes per pixel, rows top to bottom. */
  data: Uint8Array;
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** RGB to I420 with full-range BT.601 (JPEG) coefficients, chroma averaged over each 2×2 block. */
export function rgbToI420({ width, height, data }: RgbImage): Uint8Array {
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error(`I420 needs even sizes, got ${width}×${height}`);
  if (data.length !== width * height * 3) throw new Error('RGB data does not match the size');
  const ySize = width * height;
  const cSize = ySize / 4;
  const out = new Uint8Array(ySize + 2 * cSize);
  for (let i = 0; i < ySize; i++) {
    const r = data[i * 3] ?? 0;
    const g = data[i * 3 + 1] ?? 0;
    const b = data[i * 3 + 2] ?? 0;
    out[i] = clamp(0.299 * r + 0.587 * g + 0.114 * b);
  }
  const cw = width / 2;
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const p = ((cy * 2 + dy) * width + cx * 2 + dx) * 3;
        r += data[p] ?? 0;
        g += data[p + 1] ?? 0;
        b += data[p + 2] ?? 0;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      out[ySize + cy * cw + cx] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      out[ySize + cSize + cy * cw + cx] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  return out;
}

/** A Y4M stream of `frames` identical frames at `fps` frames per second. */
export function y4m(image: RgbImage, frames: number, fps = 10): Uint8Array {
  const header = new TextEncoder().encode(
    `YUV4MPEG2 W${image.width} H${image.height} F${fps}:1 Ip A1:1 C420jpeg\n`,
  );
  const frameHeader = new TextEncoder().encode('FRAME\n');
  const planes = rgbToI420(image);
  const out = new Uint8Array(header.length + frames * (frameHeader.length + planes.length));
  out.set(header, 0);
  let offset = header.length;
  for (let i = 0; i < frames; i++) {
    out.set(frameHeader, offset);
    offset += frameHeader.length;
    out.set(planes, offset);
    offset += planes.length;
  }
  return out;
}
