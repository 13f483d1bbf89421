import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../core/errors.ts';
import type { Box } from '../../core/face.ts';
import type { DecodedPixels, ImageCodec } from '../../ports/image-decoder.ts';

export type DecodeFn = (bytes: Uint8Array) => Promise<DecodedPixels> | DecodedPixels;

/** The square region around a face box, with `margin` of the box size on each side, clipped to the photo. */
export function thumbnailRegion(
  box: Box,
  width: number,
  height: number,
  margin = 0.25,
): { left: number; top: number; width: number; height: number } {
  const side = Math.max(box.right - box.left, box.bottom - box.top) * (1 + 2 * margin);
  const cx = (box.left + box.right) / 2;
  const cy = (box.top + box.bottom) / 2;
  const left = Math.max(0, Math.floor(cx - side / 2));
  const top = Math.max(0, Math.floor(cy - side / 2));
  const right = Math.min(width, Math.ceil(cx + side / 2));
  const bottom = Math.min(height, Math.ceil(cy + side / 2));
  return { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** Whether a JPEG, PNG or GIF ends with its end marker (a truncated file does not); null for other formats. */
export function endsComplete(bytes: Uint8Array, format: string): boolean | null {
  const n = bytes.length;
  if (format === 'jpeg') return n >= 4 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
  if (format === 'png') return n >= 8 && PNG_IEND.every((b, i) => bytes[n - 8 + i] === b);
  if (format === 'gif') return n >= 1 && bytes[n - 1] === 0x3b;
  return null;
}

const FAST_FORMATS = new Set(['jpeg', 'png', 'gif']);

/**
 * ImageCodec over the engine's decoder (every format the engine reads, PGM included, with the same
 * limits) and sharp: header reads for the cheap upload check, encoding of face thumbnails.
 */
export class SharpImageCodec implements ImageCodec {
  constructor(
    private readonly decodeFn: DecodeFn,
    private readonly maxPixels: number,
  ) {}

  async decode(bytes: Uint8Array): Promise<DecodedPixels> {
    return this.decodeFn(bytes);
  }

  /**
   * JPEG, PNG and GIF that end with their end marker are checked from the header only (format, size,
   * pixel limit): a full decode costs about six times as much CPU and uploads must stay cheap. Anything
   * else, or a file without its end marker, goes through the engine's full decoder.
   */
  async inspect(bytes: Uint8Array): Promise<{ width: number; height: number; format: string }> {
    if (bytes.length === 0) throw new AppError('invalid_image', 'the file is empty (0 bytes)');
    let metadata: Metadata | null = null;
    try {
      metadata = await sharp(bytes, { limitInputPixels: this.maxPixels }).metadata();
    } catch {
      metadata = null; // let the engine's decoder say what is wrong
    }
    const format = metadata?.format ?? '';
    const width = metadata?.width ?? 0;
    const height = metadata?.height ?? 0;
    if (FAST_FORMATS.has(format) && width > 0 && height > 0 && endsComplete(bytes, format)) {
      if (width * height > this.maxPixels)
        throw new AppError(
          'image_too_large',
          `image is ${width}×${height} pixels, more than the limit of ${this.maxPixels} pixels`,
        );
      return { width, height, format };
    }
    const decoded = await this.decodeFn(bytes);
    return { width: decoded.width, height: decoded.height, format: format || 'pnm' };
  }

  async faceThumbnail(bytes: Uint8Array, box: Box, size: number): Promise<Uint8Array> {
    const pixels = await this.decodeFn(bytes);
    const region = thumbnailRegion(box, pixels.width, pixels.height);
    const channels = pixels.channels as 1 | 2 | 3 | 4;
    const out = await sharp(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), {
      raw: { width: pixels.width, height: pixels.height, channels },
    })
      .extract(region)
      .resize(size, size, { fit: 'cover' })
      .jpeg({ quality: 85 })
      .toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
}
