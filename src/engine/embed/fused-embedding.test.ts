import { describe, expect, it } from 'vitest';
import { euclideanDistance, l2Normalize } from '../../core/embedding.ts';
import { FACE_RES_MEAN } from './face-res-mean.ts';
import { FACE_RES_WEIGHT, fuseEmbeddings } from './fused-embedding.ts';

function randomVector(length: number, seed: number): Float32Array {
  let state = seed;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out[i] = state / 2147483648;
  }
  return out;
}

function centredUnit(faceRes: Float32Array): Float32Array {
  return l2Normalize(faceRes.map((v, i) => v - (FACE_RES_MEAN[i] as number)));
}

describe('fuseEmbeddings', () => {
  it('holds 1024 mean values that look like pooled ReLU features (all ≥ 0, unit-norm inputs)', () => {
    expect(FACE_RES_MEAN).toHaveLength(1024);
    expect(FACE_RES_MEAN.every((v) => v >= 0)).toBe(true);
    const norm = Math.hypot(...FACE_RES_MEAN);
    expect(norm).toBeGreaterThan(0.5);
    expect(norm).toBeLessThan(1);
  });

  it('gives a unit vector of 128 + 1024 values: the face-api part first, the FaceRes part weighted', () => {
    const a = l2Normalize(randomVector(128, 1));
    const b = l2Normalize(randomVector(1024, 2));
    const fused = fuseEmbeddings(a, b);
    expect(fused).toHaveLength(1152);
    expect(Math.hypot(...fused)).toBeCloseTo(1, 6);
    const scale = 1 / Math.sqrt(1 + FACE_RES_WEIGHT ** 2);
    expect(fused[0]).toBeCloseTo((a[0] as number) * scale, 7);
    expect(fused[128]).toBeCloseTo((centredUnit(b)[0] as number) * FACE_RES_WEIGHT * scale, 7);
  });

  it('has the squared distance (d_a² + w²·d_b²) / (1 + w²) of its two parts', () => {
    const [a1, a2] = [l2Normalize(randomVector(128, 3)), l2Normalize(randomVector(128, 4))];
    const [b1, b2] = [l2Normalize(randomVector(1024, 5)), l2Normalize(randomVector(1024, 6))];
    const da = euclideanDistance(a1, a2);
    const db = euclideanDistance(centredUnit(b1), centredUnit(b2));
    const expected = Math.sqrt((da ** 2 + FACE_RES_WEIGHT ** 2 * db ** 2) / (1 + FACE_RES_WEIGHT ** 2));
    expect(euclideanDistance(fuseEmbeddings(a1, b1), fuseEmbeddings(a2, b2))).toBeCloseTo(expected, 5);
  });

  it('refuses a FaceRes descriptor of the wrong length', () => {
    expect(() => fuseEmbeddings(new Float32Array(128), new Float32Array(512))).toThrow(RangeError);
  });
});
