import { describe, expect, it } from 'vitest';
import { euclideanDistance, l2Normalize } from '../../core/embedding.ts';
import { ARC_FACE_DIMENSIONS, fuseEmbeddings } from './fused-embedding.ts';

function randomVector(length: number, seed: number): Float32Array {
  let state = seed;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = state / 2147483648 - 0.5;
  }
  return out;
}

describe('fuseEmbeddings', () => {
  it('gives a unit vector of 128 + 512 values: the face-api part first, both parts weighted equally', () => {
    const a = l2Normalize(randomVector(128, 1));
    const b = l2Normalize(randomVector(ARC_FACE_DIMENSIONS, 2));
    const fused = fuseEmbeddings(a, b);
    expect(fused).toHaveLength(640);
    expect(Math.hypot(...fused)).toBeCloseTo(1, 6);
    expect(fused[0]).toBeCloseTo((a[0] as number) / Math.SQRT2, 7);
    expect(fused[128]).toBeCloseTo((b[0] as number) / Math.SQRT2, 7);
  });

  it('normalises parts that arrive unnormalised', () => {
    const a = randomVector(128, 7);
    const b = randomVector(ARC_FACE_DIMENSIONS, 8);
    const scaled = fuseEmbeddings(
      a.map((v) => v * 3),
      b.map((v) => v * 0.2),
    );
    const fused = fuseEmbeddings(a, b);
    for (let i = 0; i < fused.length; i++) expect(scaled[i]).toBeCloseTo(fused[i] as number, 6);
  });

  it('has the squared distance (d_a² + d_b²) / 2 of its two parts', () => {
    const [a1, a2] = [l2Normalize(randomVector(128, 3)), l2Normalize(randomVector(128, 4))];
    const [b1, b2] = [l2Normalize(randomVector(512, 5)), l2Normalize(randomVector(512, 6))];
    const da = euclideanDistance(a1, a2);
    const db = euclideanDistance(b1, b2);
    const expected = Math.sqrt((da ** 2 + db ** 2) / 2);
    expect(euclideanDistance(fuseEmbeddings(a1, b1), fuseEmbeddings(a2, b2))).toBeCloseTo(expected, 5);
  });

  it('refuses an ArcFace descriptor of the wrong length', () => {
    expect(() => fuseEmbeddings(new Float32Array(128), new Float32Array(1024))).toThrow(RangeError);
  });
});
