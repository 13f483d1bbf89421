import { AppError } from '../../core/errors.ts';
import { PnmReader, readPnmHeader } from '../../core/pnm-header.ts';
import type { RawImage } from './raw-image.ts';

/**
 * Decodes binary and ASCII PGM/PPM (8 or 16 bits per sample) into RGB.
 * libvips' loader for these is not in sharp's prebuilt binaries, and the ORL face set is PGM.
 */
export function decodePnm(bytes: Uint8Array, maxPixels: number): RawImage {
  const { kind, width, height, maxValue, channels, dataStart } = readPnmHeader(bytes);
  if (width * height > maxPixels) {
    throw new AppError(
      'image_too_large',
      `image is ${width}×${height} pixels, more than the limit of ${maxPixels} pixels`,
    );
  }
  const samples = width * height * channels;
  const out = new Uint8Array(width * height * 3);
  const scale = 255 / maxValue;
  const put = (index: number, value: number) => {
    if (value > maxValue) throw new AppError('invalid_image', 'PNM sample exceeds the maximum value');
    const v = Math.round(value * scale);
    if (channels === 3) out[index] = v;
    else out.fill(v, index * 3, index * 3 + 3);
  };
  if (kind === '5' || kind === '6') {
    const bytesPerSample = maxValue < 256 ? 1 : 2;
    if (bytes.length < dataStart + samples * bytesPerSample)
      throw new AppError('invalid_image', 'PNM data is truncated');
    for (let i = 0; i < samples; i++) {
      const offset = dataStart + i * bytesPerSample;
      const value =
        bytesPerSample === 1
          ? (bytes[offset] as number)
          : ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
      put(i, value);
    }
  } else {
    const reader = new PnmReader(bytes);
    reader.position = dataStart - 1;
    for (let i = 0; i < samples; i++) {
      try {
        put(i, reader.nextInt('sample'));
      } catch (error) {
        if (error instanceof AppError && error.code === 'invalid_image' && reader.position >= bytes.length)
          throw new AppError('invalid_image', 'PNM data is truncated');
        throw error;
      }
    }
  }
  return { width, height, data: out };
}
