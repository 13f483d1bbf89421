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
    const asciiPgm = new TextEncoder().encode('P2\n2 2\n255\n1 2 3 4\n');
    expect(await codec.inspect(asciiPgm)).toMatchObject({ width: 2, height: 2 });
    expect(fullDecodes).toBe(3);
  });

  it('judges binary PGM/PPM from the header and length alone (no pixel decoded on the caller thread)', async () => {
    fullDecodes = 0;
    const pgm = new TextEncoder().encode(`P5\n# a comment\n3 2\n255\n${'\u0001'.repeat(6)}`);
    expect(readPhotoHeader(pgm)).toEqual({ format: 'pnm', width: 3, height: 2, complete: true });
    expect(await codec.inspect(pgm)).toEqual({ width: 3, height: 2, format: 'pnm' });
    const ppm16 = new Uint8Array([...new TextEncoder().encode('P6 1 1 65535\n'), 0, 1, 0, 2, 0, 3]);
    expect(await codec.inspect(ppm16)).toEqual({ width: 1, height: 1, format: 'pnm' });
    const bomb = new TextEncoder().encode('P5\n100000 100000\n255\n');
    expect(await code(bomb)).toBe('image_too_large');
    expect(fullDecodes).toBe(0);
    // truncated: the full decoder says what is wrong
    expect(readPhotoHeader(pgm.subarray(0, pgm.length - 1))?.complete).toBe(false);
    expect(await code(pgm.subarray(0, pgm.length - 1))).toBe('invalid_image');
    expect(await code(new TextEncoder().encode('P5\n0 2\n255\n'))).toBe('invalid_image');
    expect(fullDecodes).toBe(2);
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

  it('previews a photo as a JPEG that fits in size×size, never enlarged, from any format it reads', async () => {
    const wide = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    expect(await sharp(await codec.preview(wide, 64)).metadata()).toMatchObject({
      format: 'jpeg',
      width: 64,
      height: 43,
    });
    const pgm = new TextEncoder().encode(`P5 3 2 255\n${'\u0080'.repeat(6)}`);
    expect(await sharp(await codec.preview(pgm, 256)).metadata()).toMatchObject({
      format: 'jpeg',
      width: 3,
      height: 2,
    });
    await expect(codec.preview(new TextEncoder().encode('hello'), 64)).rejects.toMatchObject({
      code: 'invalid_image',
    });
  });
});
