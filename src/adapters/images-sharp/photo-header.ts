import { isPnm, readPnmHeader } from '../../core/pnm-header.ts';

/**
 * Dimensions (after EXIF rotation, as the engine sees the photo) from the header of a JPEG, PNG, GIF or binary PGM/PPM, read synchronously in a few microseconds (no decoder,
 * no thread pool), and whether the file ends with its format's end marker. Null when the header is not
 * one of these or is damaged: the caller then asks the full decoder, which says precisely what is wrong.
 */
export interface PhotoHeader {
  format: 'jpeg' | 'png' | 'gif' | 'pnm';
  width: number;
  height: number;
  /** The file ends with its end marker (a truncated file does not). */
  complete: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_IEND = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

function u16be(b: Uint8Array, i: number): number {
  return ((b[i] as number) << 8) | (b[i + 1] as number);
}

function u32be(b: Uint8Array, i: number): number {
  return (
    (((b[i] as number) << 24) >>> 0) +
    (((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number))
  );
}

/** EXIF orientation (1..8) from an APP1 segment's payload starting at `start`, or 1. */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0];
  if (end - start < 14 || !exif.every((x, k) => b[start + k] === x)) return 1;
  const tiff = start + 6;
  const little = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  if (!little && !(b[tiff] === 0x4d && b[tiff + 1] === 0x4d)) return 1;
  const u16 = (i: number) => (little ? (b[i] as number) | ((b[i + 1] as number) << 8) : u16be(b, i));
  const u32 = (i: number) => (little ? (u16(i) | (u16(i + 2) << 16)) >>> 0 : u32be(b, i));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return 1;
  const entries = u16(ifd);
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    if (at + 12 > end) return 1;
    if (u16(at) === 0x0112) {
      const value = u16(at + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

function jpegHeader(b: Uint8Array): PhotoHeader | null {
  let i = 2;
  let orientation = 1;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1] as number;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    const length = u16be(b, i + 2);
    if (length < 2) return null;
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = u16be(b, i + 5);
      const width = u16be(b, i + 7);
      if (width === 0 || height === 0) return null;
      const n = b.length;
      // Orientations 5..8 turn the photo a quarter: its sides swap once the EXIF rotation is applied.
      const swap = orientation >= 5;
      return {
        format: 'jpeg',
        width: swap ? height : width,
        height: swap ? width : height,
        complete: b[n - 2] === 0xff && b[n - 1] === 0xd9,
      };
    }
    if (marker === 0xe1) orientation = exifOrientation(b, i + 4, Math.min(b.length, i + 2 + length));
    if (marker === 0xda || marker === 0xd9) return null; // scan or end before any frame header
    i += 2 + length;
  }
  return null;
}

export function readPhotoHeader(b: Uint8Array): PhotoHeader | null {
  const n = b.length;
  if (n >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegHeader(b);
  if (n >= 33 && PNG_SIGNATURE.every((x, i) => b[i] === x) && u32be(b, 12) === 0x49484452) {
    const width = u32be(b, 16);
    const height = u32be(b, 20);
    if (width === 0 || height === 0) return null;
    return { format: 'png', width, height, complete: PNG_IEND.every((x, i) => b[n - 8 + i] === x) };
  }
  if (n >= 13 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) {
    const width = (b[6] as number) | ((b[7] as number) << 8);
    const height = (b[8] as number) | ((b[9] as number) << 8);
    if (width === 0 || height === 0) return null;
    return { format: 'gif', width, height, complete: b[n - 1] === 0x3b };
  }
  if (isPnm(b)) {
    try {
      const { width, height, complete } = readPnmHeader(b);
      return { format: 'pnm', width, height, complete };
    } catch {
      return null;
    }
  }
  return null;
}
