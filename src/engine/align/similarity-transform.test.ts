import { describe, expect, it } from 'vitest';
import {
  applySimilarity,
  estimateSimilarity,
  invertSimilarity,
  mirrorChip,
  warpToChip,
} from './similarity-transform.ts';

describe('similarity transform', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const truth = { a: 2 * Math.cos(0.3), b: 2 * Math.sin(0.3), tx: 5, ty: -7 };
    const from = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 3, y: 8 },
      { x: -4, y: 2 },
    ];
    const to = from.map((p) => applySimilarity(truth, p));
    const fit = estimateSimilarity(from, to);
    for (const k of ['a', 'b', 'tx', 'ty'] as const) expect(fit[k]).toBeCloseTo(truth[k], 9);
    const back = applySimilarity(invertSimilarity(fit), to[2] as { x: number; y: number });
    expect(back.x).toBeCloseTo(3, 9);
    expect(back.y).toBeCloseTo(8, 9);
  });

  it('warps pixels: the identity copies, a shift moves the content', () => {
    const image = { width: 4, height: 4, data: new Uint8Array(48) };
    image.data.set([255, 0, 0], (1 * 4 + 2) * 3); // red at (2, 1)
    const same = warpToChip(image, { a: 1, b: 0, tx: 0, ty: 0 }, 4);
    expect([...same]).toEqual([...image.data]);
    const shifted = warpToChip(image, { a: 1, b: 0, tx: -1, ty: 1 }, 4);
    expect([...shifted.subarray((2 * 4 + 1) * 3, (2 * 4 + 1) * 3 + 3)]).toEqual([255, 0, 0]);
  });

  it('mirrors a chip left to right', () => {
    const chip = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect([...mirrorChip(chip, 2)]).toEqual([4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9]);
  });
});
