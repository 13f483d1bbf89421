import type { Box } from '../core/face.ts';

/** A decoded photo: 8-bit pixels, row-major, after EXIF rotation. */
export interface DecodedPixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/**
 * Decodes and checks photos outside the engine (upload validation, thumbnails).
 * `decode` rejects with AppError `invalid_image` (not an image, truncated, empty) or `image_too_large`.
 */
export interface ImageCodec {
  decode(bytes: Uint8Array): Promise<DecodedPixels>;
  /**
   * Checks, as cheaply as it can, that the bytes are a complete photo the engine can read, and not a
   * decompression bomb; rejects like `decode`. A photo damaged inside (not at its end) may pass and then fail
   * in the engine, which marks it `failed` with its error.
   */
  inspect(bytes: Uint8Array): Promise<{ width: number; height: number; format: string }>;
  /** A square JPEG of the face in `box` (with a margin), `size` pixels wide. */
  faceThumbnail(bytes: Uint8Array, box: Box, size: number): Promise<Uint8Array>;
  /** The photo, upright, as a JPEG that fits in `size`×`size` pixels (never enlarged); rejects like `decode`. */
  preview(bytes: Uint8Array, size: number): Promise<Uint8Array>;
}
