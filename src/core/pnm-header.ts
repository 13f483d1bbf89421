import { AppError } from './errors.ts';

/** Netpbm magic numbers faceflow reads: P2/P5 greymap (PGM), P3/P6 pixmap (PPM). */
export function isPnm(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x50 && [0x32, 0x33, 0x35, 0x36].includes(bytes[1] as number);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c;
}

/** Reads the ASCII integers of a PGM/PPM header (and of the samples of the ASCII kinds). */
export class PnmReader {
  position = 2;
  constructor(private readonly bytes: Uint8Array) {}

  /** Next whitespace-separated ASCII integer, skipping `#` comments. */
  nextInt(what: string): number {
    const bytes = this.bytes;
    for (;;) {
      while (this.position < bytes.length && isSpace(bytes[this.position] as number)) this.position++;
      if (bytes[this.position] !== 0x23) break;
      while (this.position < bytes.length && bytes[this.position] !== 0x0a && bytes[this.position] !== 0x0d)
        this.position++;
    }
    const start = this.position;
    let value = 0;
    while (this.position < bytes.length) {
      const c = bytes[this.position] as number;
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      if (value > 0x7fffffff) throw new AppError('invalid_image', `PNM ${what} is out of range`);
      this.position++;
    }
    if (this.position === start) throw new AppError('invalid_image', `PNM header has no valid ${what}`);
    return value;
  }
}

export interface PnmHeader {
  /** Netpbm kind: '2'/'5' greymap, '3'/'6' pixmap ('5' and '6' are binary). */
  kind: '2' | '3' | '5' | '6';
  width: number;
  height: number;
  maxValue: number;
  channels: 1 | 3;
  /** Offset of the first sample (binary kinds: the byte after the single whitespace after maxValue). */
  dataStart: number;
  /** Binary kinds: the file holds every sample. ASCII kinds: unknown without reading them all (false). */
  complete: boolean;
}

/**
 * The header of a PGM/PPM (magic, width, height, maximum value), validated, and whether a binary file holds
 * all its samples: a few microseconds, no pixel touched. Throws AppError `invalid_image` on a bad header.
 */
export function readPnmHeader(bytes: Uint8Array): PnmHeader {
  if (!isPnm(bytes)) throw new AppError('invalid_image', 'not a PGM/PPM file');
  const kind = String.fromCharCode(bytes[1] as number) as PnmHeader['kind'];
  const reader = new PnmReader(bytes);
  const width = reader.nextInt('width');
  const height = reader.nextInt('height');
  const maxValue = reader.nextInt('maximum value');
  if (width < 1 || height < 1) throw new AppError('invalid_image', 'PNM image has no pixels');
  if (maxValue < 1 || maxValue > 65535)
    throw new AppError('invalid_image', 'PNM maximum value must be 1..65535');
  const channels = kind === '2' || kind === '5' ? 1 : 3;
  const dataStart = reader.position + 1;
  const binary = kind === '5' || kind === '6';
  const bytesPerSample = maxValue < 256 ? 1 : 2;
  const complete = binary && bytes.length >= dataStart + width * height * channels * bytesPerSample;
  return { kind, width, height, maxValue, channels, dataStart, complete };
}
