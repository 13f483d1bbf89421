import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decompressionBombPng } from '../../../test/helpers/bad-images.ts';
import { AppError } from '../../core/errors.ts';
import { decodeImage } from '../../engine/index.ts';
import { SharpImageCodec, thumbnailRegion } from './image-codec.sharp.ts';
import { readPhotoHeader } from './photo-header.ts';

let fullDecodes = 0;
const codec = new SharpImageCodec(async (bytes) => {
  fullDecodes++;
  const d = await decodeImage(bytes);
  return { width: d.image.width, height: d.image.height, channels: 3, data: d.image.data };
}, 64_000_000);

async function photo(format: 'jpeg' | 'png' | 'gif' | 'webp'): Promise<Uint8Array> {
  const buffer = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } })
    .toFormat(format)
    .toBuffer();
  return new Uint8Array(buffer);
}

async function code(bytes: Uint8Array): Promise<string> {
  try {
    await codec.inspect(bytes);
    return 'ok';
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
}

describe('SharpImageCodec', () => {
  it('accepts complete JPEG, PNG and GIF from their headers alone', async () => {
    fullDecodes = 0;
    for (const format of ['jpeg', 'png', 'gif'] as const) {
      const bytes = await photo(format);
      expect(readPhotoHeader(bytes)).toEqual({ format, width: 40, height: 30, complete: true });
      expect(await codec.inspect(bytes)).toEqual({ width: 40, height: 30, format });
    }
    expect(fullDecodes).toBe(0);
  });

  it('decodes fully what it cannot judge from the header: other formats, trailers after the end marker', async () => {
    fullDecodes = 0;
    expect(await codec.inspect(await photo('webp'))).toMatchObject({ width: 40, height: 30 });
    const jpeg = await photo('jpeg');
    const trailer = new Uint8Array([...jpeg, 0x41, 0x42, 0x43]);
    expect(await codec.inspect(trailer)).toMatchObject({ width: 40, height: 30 });
    const pgm = new TextEncoder().encode(`P5\n2 2\n255\n${'\u0001'.repeat(4)}`);
    expect(await codec.inspect(pgm)).toMatchObject({ width: 2, height: 2 });
    expect(fullDecodes).toBe(3);
  });

  it('reads the dimensions of progressive JPEGs and says when a file lacks its end', async () => {
    const progressive = new Uint8Array(
      await sharp({ create: { width: 33, height: 17, channels: 3, background: '#000' } })
        .jpeg({ progressive: true })
        .withMetadata()
        .toBuffer(),
    );
    expect(readPhotoHeader(progressive)).toEqual({ format: 'jpeg', width: 33, height: 17, complete: true });
    expect(readPhotoHeader(progressive.subarray(0, progressive.length - 10))?.complete).toBe(false);
    expect(readPhotoHeader(new TextEncoder().encode('GIF89a'))).toBeNull();
    // EXIF orientation 6 (a quarter turn): the sides swap, as in the engine's decoded photo
    const rotated = new Uint8Array(
      await sharp({ create: { width: 33, height: 17, channels: 3, background: '#000' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    expect(readPhotoHeader(rotated)).toMatchObject({ width: 17, height: 33 });
    expect(await codec.inspect(rotated)).toMatchObject({ width: 17, height: 33 });
    const decoded = await decodeImage(rotated);
    expect([decoded.image.width, decoded.image.height]).toEqual([17, 33]);
    expect(readPhotoHeader(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]))).toBeNull();
  });

  it('rejects truncated, empty, non-image and bomb inputs', async () => {
    for (const format of ['jpeg', 'png', 'gif'] as const) {
      const bytes = await photo(format);
      expect(await code(bytes.subarray(0, Math.floor(bytes.length / 2))), format).toBe('invalid_image');
    }
    expect(await code(new Uint8Array())).toBe('invalid_image');
    expect(await code(new TextEncoder().encode('hello'))).toBe('invalid_image');
    expect(await code(decompressionBombPng())).toBe('image_too_large');
  });

  it('crops thumbnails around the face, inside the photo', async () => {
    expect(thumbnailRegion({ top: 10, right: 30, bottom: 30, left: 10 }, 100, 100)).toEqual({
      left: 5,
      top: 5,
      width: 30,
      height: 30,
    });
    expect(thumbnailRegion({ top: 0, right: 20, bottom: 20, left: 0 }, 15, 15)).toEqual({
      left: 0,
      top: 0,
      width: 15,
      height: 15,
    });
    const jpeg = await codec.faceThumbnail(
      await photo('png'),
      { top: 5, right: 25, bottom: 25, left: 5 },
      32,
    );
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 32, height: 32 });
  });
});
