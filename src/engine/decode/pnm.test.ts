import { describe, expect, it } from 'vitest';
import type { AppError } from '../../core/errors.ts';
import { isPnm } from '../../core/pnm-header.ts';
import { decodePnm } from './pnm.ts';

const bytes = (text: string, tail: number[] = []) =>
  new Uint8Array([...new TextEncoder().encode(text), ...tail]);

describe('PNM decoding', () => {
  it('recognises the netpbm magic numbers it reads', () => {
    expect(isPnm(bytes('P5 1 1 255 '))).toBe(true);
    expect(isPnm(bytes('P6'))).toBe(true);
    expect(isPnm(bytes('P4'))).toBe(false);
    expect(isPnm(bytes('PK'))).toBe(false);
  });

  it('decodes binary PPM and 16-bit PGM', () => {
    const ppm = decodePnm(bytes('P6 2 1 255\n', [255, 0, 0, 0, 0, 255]), 1e6);
    expect([...ppm.data]).toEqual([255, 0, 0, 0, 0, 255]);
    const pgm16 = decodePnm(bytes('P5 1 1 65535\n', [0xff, 0xff]), 1e6);
    expect([...pgm16.data]).toEqual([255, 255, 255]);
  });

  it('decodes ASCII PGM', () => {
    const image = decodePnm(bytes('P2\n2 1\n10\n0 10\n'), 1e6);
    expect([...image.data]).toEqual([0, 0, 0, 255, 255, 255]);
  });

  it('rejects truncated data, bad headers and oversized images', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as AppError).code;
      }
      return 'no error';
    };
    expect(code(() => decodePnm(bytes('P5 4 4 255\n', [1, 2, 3]), 1e6))).toBe('invalid_image');
    expect(code(() => decodePnm(bytes('P5 x 4 255\n'), 1e6))).toBe('invalid_image');
    expect(code(() => decodePnm(bytes('P2 2 1 10\n0 11\n'), 1e6))).toBe('invalid_image');
    expect(code(() => decodePnm(bytes('P5 60000 60000 255\n'), 64e6))).toBe('image_too_large');
  });
});
