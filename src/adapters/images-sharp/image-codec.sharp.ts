import sharp, { type Sharp } from 'sharp';
import { AppError } from '../../core/errors.ts';
import type { Box } from '../../core/face.ts';
import type { DecodedPixels, ImageCodec } from '../../ports/image-decoder.ts';
import { readPhotoHeader } from './photo-header.ts';

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
   * JPEG, PNG, GIF and binary PGM/PPM that are complete (end marker, or every sample present) are checked
   * from their header alone (format, size, pixel limit; a header over the limit is refused at once even when
   * the file is incomplete), read synchronously: a full decode costs several times the CPU of the rest of an upload, and
   * even sharp's header read queued for milliseconds in libuv's thread pool under load. Anything else, or a
   * file without its end marker, goes through the engine's full decoder.
   */
  async inspect(bytes: Uint8Array): Promise<{ width: number; height: number; format: string }> {
    if (bytes.length === 0) throw new AppError('invalid_image', 'the file is empty (0 bytes)');
    const header = readPhotoHeader(bytes);
    if (header) {
      const { width, height, format } = header;
      if (width * height > this.maxPixels)
        throw new AppError(
          'image_too_large',
          `image is ${width}×${height} pixels, more than the limit of ${this.maxPixels} pixels`,
        );
      if (header.complete) return { width, height, format };
    }
    const decoded = await this.decodeFn(bytes);
    return { width: decoded.width, height: decoded.height, format: header?.format ?? 'other' };
  }

  async faceThumbnail(bytes: Uint8Array, box: Box, size: number): Promise<Uint8Array> {
    const pixels = await this.decodeFn(bytes);
    const region = thumbnailRegion(box, pixels.width, pixels.height);
    const out = await rawPixels(pixels)
      .extract(region)
      .resize(size, size, { fit: 'cover' })
      .jpeg({ quality: 85 })
      .toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /** The engine's decoder reads the photo (with its pixel limit); sharp scales and encodes, off the event loop. */
  async preview(bytes: Uint8Array, size: number): Promise<Uint8Array> {
    const pixels = await this.decodeFn(bytes);
    return rawPixels(pixels)
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82 })
      .toBuffer();
  }
}

/** A sharp pipeline over decoded pixels (no copy). */
function rawPixels(pixels: DecodedPixels): Sharp {
  const { data, width, height } = pixels;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: pixels.channels as 1 | 2 | 3 | 4 },
  });
}
