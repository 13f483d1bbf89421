import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { pngClaiming } from '../../../test/support/image-fixtures.ts';
import { AppError, fromErrorInfo, toErrorInfo } from '../../core/errors.ts';
import { decodeFailureMessage, decodeImage } from './image-decoder.ts';

async function rejectsWith(bytes: Uint8Array, code: string) {
  const error = await decodeImage(bytes).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect((error as AppError).message.length).toBeGreaterThan(5);
}

describe('decodeImage', () => {
  it('rejects 0 bytes, text and a truncated JPEG as invalid_image', async () => {
    await rejectsWith(new Uint8Array(), 'invalid_image');
    await rejectsWith(new TextEncoder().encode('hello, this is not an image'), 'invalid_image');
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    await rejectsWith(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'invalid_image');
  });

  it("says what is wrong in the user's terms and keeps the decoder's words for the log", async () => {
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const error = (await decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2))).catch(
      (e) => e,
    )) as AppError;
    expect(error.message).toMatch(/^the file is not a complete JPEG image \(it ends too early/);
    expect(error.message).not.toMatch(/vips|:\s*$/i);
    const info = toErrorInfo(error);
    expect(info.detail).toMatch(/VipsJpeg/);
    // Across the engine's threads (ErrorInfo and back) the detail stays with the error.
    expect(toErrorInfo(fromErrorInfo(info))).toEqual(info);
    expect(decodeFailureMessage('pngload_buffer: libpng read error')).toBe(
      'the file could not be read as a PNG image (it is damaged, or not really a PNG file)',
    );
    expect(decodeFailureMessage('something odd happened:')).toBe(
      'the file could not be read as an image (it is damaged, or in a form faceflow cannot read)',
    );
  });

  it('refuses a PNG header claiming 60000×60000 pixels before decoding it', async () => {
    await rejectsWith(pngClaiming(60000, 60000), 'image_too_large');
  });

  it('refuses SVG (not a photo format)', async () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    await rejectsWith(new TextEncoder().encode(svg), 'invalid_image');
  });

  it('decodes 16-bit, grey, RGBA and palette PNGs, WebP and GIF to 8-bit RGB', async () => {
    const raw = Buffer.alloc(8 * 6 * 4, 200);
    const base = () => sharp(raw, { raw: { width: 8, height: 6, channels: 4 } });
    const inputs = await Promise.all([
      base().png().toBuffer(),
      base().toColourspace('rgb16').png().toBuffer(),
      base().greyscale().png().toBuffer(),
      base().png({ palette: true }).toBuffer(),
      base().webp().toBuffer(),
      base().gif().toBuffer(),
    ]);
    for (const bytes of inputs) {
      const { image } = await decodeImage(bytes);
      expect([image.width, image.height, image.data.length]).toEqual([8, 6, 8 * 6 * 3]);
    }
  });

  it('applies EXIF orientation (boxes are in pixels of the rotated photo)', async () => {
    const bytes = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#fff' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const decoded = await decodeImage(bytes);
    expect([decoded.image.width, decoded.image.height]).toEqual([20, 40]);
    expect([decoded.originalWidth, decoded.originalHeight]).toEqual([20, 40]);
  });

  it('downscales large photos and reports the scale back to photo pixels', async () => {
    const bytes = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    const decoded = await decodeImage(bytes, { maxSide: 1000 });
    expect(decoded.image.width).toBe(1000);
    expect(decoded.scale).toBeCloseTo(3, 5);
    expect(decoded.originalWidth).toBe(3000);
  });

  it('reads PGM (the ORL set) which sharp cannot', async () => {
    const header = new TextEncoder().encode('P5\n# comment\n3 2\n255\n');
    const bytes = new Uint8Array([...header, 0, 50, 100, 150, 200, 255]);
    const { image, format } = await decodeImage(bytes);
    expect(format).toBe('pnm');
    expect([...image.data.subarray(0, 6)]).toEqual([0, 0, 0, 50, 50, 50]);
  });
});
