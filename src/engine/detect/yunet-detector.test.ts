import { describe, expect, it } from 'vitest';
import { suppressOverlaps, yunetInput } from './yunet-detector.ts';

describe('YuNet input and post-processing', () => {
  it('feeds BGR planes of 0–255 values, padded to multiples of 32 with black', () => {
    const image = { width: 33, height: 2, data: new Uint8Array(33 * 2 * 3) };
    image.data.set([10, 20, 30], 0); // pixel (0,0): R=10 G=20 B=30
    const input = yunetInput(image);
    expect([input.width, input.height]).toEqual([64, 32]);
    const plane = 64 * 32;
    expect([input.data[0], input.data[plane], input.data[2 * plane]]).toEqual([30, 20, 10]);
    expect(input.data[40]).toBe(0); // padding
  });

  it('keeps the best of overlapping boxes and separate faces side by side', () => {
    const box = (x: number, score: number) => ({ x, y: 0, width: 10, height: 10, score, keypoints: [] });
    const kept = suppressOverlaps([box(0, 0.7), box(1, 0.9), box(30, 0.8)], 0.3);
    expect(kept.map((b) => b.score)).toEqual([0.9, 0.8]);
  });
});
