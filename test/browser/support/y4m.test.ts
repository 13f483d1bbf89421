import { describe, expect, it } from 'vitest';
import { rgbToI420, y4m } from './y4m.ts';

describe('Y4M writer', () => {
  it('converts RGB to I420 planes with JPEG (full-range BT.601) coefficients', () => {
    // 2×2: white, black, red, blue -> one chroma sample, their average.
    const data = new Uint8Array([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255]);
    const planes = rgbToI420({ width: 2, height: 2, data });
    expect([...planes.subarray(0, 4)]).toEqual([255, 0, 76, 29]);
    // Average colour (127.5, 63.75, 127.5).
    expect(planes[4]).toBe(Math.round(128 - 0.168736 * 127.5 - 0.331264 * 63.75 + 0.5 * 127.5));
    expect(planes[5]).toBe(Math.round(128 + 0.5 * 127.5 - 0.418688 * 63.75 - 0.081312 * 127.5));
  });

  it('writes the header and one FRAME block per frame', () => {
    const grey = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).fill(128) };
    const bytes = y4m(grey, 3, 10);
    const text = new TextDecoder('latin1').decode(bytes);
    expect(text.startsWith('YUV4MPEG2 W4 H2 F10:1 Ip A1:1 C420jpeg\nFRAME\n')).toBe(true);
    expect(text.split('FRAME\n')).toHaveLength(4);
    const header = 'YUV4MPEG2 W4 H2 F10:1 Ip A1:1 C420jpeg\n'.length;
    expect(bytes.length).toBe(header + 3 * ('FRAME\n'.length + 4 * 2 * 1.5));
  });

  it('refuses odd sizes, which I420 cannot hold', () => {
    expect(() => rgbToI420({ width: 3, height: 2, data: new Uint8Array(18) })).toThrow(/even/);
  });
});
