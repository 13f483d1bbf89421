import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../core/errors.ts';
import { isPnm } from '../../core/pnm-header.ts';
import { decodePnm } from './pnm.ts';
import type { RawImage } from './raw-image.ts';

export const DEFAULT_MAX_PIXELS = 64_000_000;

export interface DecodeOptions {
  /** Refuse images with more pixels than this (decompression bombs), before decoding them. */
  maxPixels?: number;
  /**
   * Downscale so that the longer side is at most this many pixels. `scale` in the result
   * maps decoded pixels back to pixels of the original (EXIF-rotated) photo.
   */
  maxSide?: number;
}

export interface DecodedImage {
  image: RawImage;
  /** Width and height of the photo after EXIF rotation, before any downscale. */
  originalWidth: number;
  originalHeight: number;
  /** originalWidth / image.width (1 when not downscaled). */
  scale: number;
  format: string;
}

const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif']);

function sharpFailure(error: unknown, maxPixels: number): AppError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new AppError('image_too_large', `image has more than the limit of ${maxPixels} pixels`, {
      cause: error,
    });
  }
  if (/unsupported image format/i.test(message)) {
    return new AppError('invalid_image', 'not an image (unknown or unsupported format)', { cause: error });
  }
  return new AppError('invalid_image', decodeFailureMessage(message), { cause: error });
}

/** libvips' loader names, as its messages start (`VipsJpeg: …`, `pngload: …`), and the format a person knows. */
const LOADER_FORMATS: [RegExp, string][] = [
  [/jpe?g/i, 'JPEG'],
  [/png/i, 'PNG'],
  [/webp/i, 'WebP'],
  [/gif/i, 'GIF'],
  [/tiff?/i, 'TIFF'],
  [/heif|avif/i, 'HEIF/AVIF'],
];

/**
 * What a decoding failure means to the person who sent the file, in their words. libvips' own text
 * (`VipsJpeg: premature end of JPEG image`) stays in the error's cause, for the log.
 */
export function decodeFailureMessage(libraryMessage: string): string {
  const loader = /^\s*([A-Za-z0-9_]+)\s*:/.exec(libraryMessage)?.[1] ?? libraryMessage;
  const format = LOADER_FORMATS.find(([pattern]) => pattern.test(loader))?.[1];
  const what = format ? `a complete ${format} image` : 'a complete image';
  if (
    /premature end|truncated|unexpected end|end of (file|stream|data)|short read|not enough data/i.test(
      libraryMessage,
    )
  )
    return `the file is not ${what} (it ends too early; was it cut off while copying or uploading?)`;
  return format
    ? `the file could not be read as a ${format} image (it is damaged, or not really a ${format} file)`
    : 'the file could not be read as an image (it is damaged, or in a form faceflow cannot read)';
}

function downscaleNearestArea(image: RawImage, maxSide: number): { image: RawImage; scale: number } {
  const longer = Math.max(image.width, image.height);
  if (longer <= maxSide) return { image, scale: 1 };
  const factor = Math.ceil(longer / maxSide);
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const out = new Uint8Array(width * height * 3);
  const area = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = (y * factor + dy) * image.width;
          for (let dx = 0; dx < factor; dx++) sum += image.data[(row + x * factor + dx) * 3 + c] as number;
        }
        out[(y * width + x) * 3 + c] = Math.round(sum / area);
      }
    }
  }
  return { image: { width, height, data: out }, scale: image.width / width };
}

/**
 * Decodes JPEG, PNG (8/16-bit, grey, alpha, palette), WebP, GIF (first frame), TIFF, HEIF/AVIF
 * with sharp, and PGM/PPM with faceflow's own reader, into 8-bit RGB with EXIF orientation applied.
 * Throws AppError `invalid_image` or `image_too_large`; never decodes more than `maxPixels`.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxSide = options.maxSide ?? Number.POSITIVE_INFINITY;
  if (bytes.length === 0) throw new AppError('invalid_image', 'the file is empty (0 bytes)');
  if (isPnm(bytes)) {
    const full = decodePnm(bytes, maxPixels);
    const { image, scale } = downscaleNearestArea(full, maxSide);
    return { image, originalWidth: full.width, originalHeight: full.height, scale, format: 'pnm' };
  }
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' }).metadata();
  } catch (error) {
    throw sharpFailure(error, maxPixels);
  }
  if (!metadata.format || !PHOTO_FORMATS.has(metadata.format)) {
    throw new AppError(
      'invalid_image',
      `not a photo format faceflow reads (${metadata.format ?? 'unknown'})`,
    );
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width * height > maxPixels) {
    throw new AppError(
      'image_too_large',
      `image is ${width}×${height} pixels, more than the limit of ${maxPixels} pixels`,
    );
  }
  const swapsSides = (metadata.orientation ?? 1) >= 5;
  const originalWidth = swapsSides ? height : width;
  const originalHeight = swapsSides ? width : height;
  try {
    let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'error', pages: 1 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    const longer = Math.max(originalWidth, originalHeight);
    if (longer > maxSide) {
      pipeline = pipeline.resize({
        width: originalWidth >= originalHeight ? maxSide : undefined,
        height: originalHeight > originalWidth ? maxSide : undefined,
        kernel: 'lanczos3',
      });
    }
    const { data, info } = await pipeline
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw new AppError('invalid_image', `unexpected ${info.channels} channels after decoding`);
    const image = {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
    return {
      image,
      originalWidth,
      originalHeight,
      scale: originalWidth / info.width,
      format: metadata.format,
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw sharpFailure(error, maxPixels);
  }
}
