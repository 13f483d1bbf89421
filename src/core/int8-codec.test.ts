import { describe, expect, it } from 'vitest';
import { l2Normalize } from './embedding.ts';
import { Int8Codec, unitEuclidean } from './int8-codec.ts';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** A fused-like unit vector: 128 large values, then 1,024 small ones. */
function fusedLike(random: () => number): Float32Array {
  const v = new Float32Array(1152);
  for (let i = 0; i < v.length; i++) v[i] = random() * (i < 128 ? 1 : 0.1);
  return l2Normalize(v);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe('Int8Codec', () => {
  it('rotates without changing norms or cosines', () => {
    const codec = new Int8Codec(1152);
    const random = seeded(1);
    const a = fusedLike(random);
    const b = fusedLike(random);
    expect(cosine(codec.rotate(a), codec.rotate(a))).toBeCloseTo(1, 6);
    expect(cosine(codec.rotate(a), codec.rotate(b))).toBeCloseTo(cosine(a, b), 6);
    const norm = Math.hypot(...codec.rotate(a));
    expect(norm).toBeCloseTo(1, 5);
  });

  it('keeps Euclidean distances of unit vectors within 2e-3 after quantizing', () => {
    const codec = new Int8Codec(1152);
    const random = seeded(2);
    for (let n = 0; n < 20; n++) {
      const a = fusedLike(random);
      const b = fusedLike(random);
      const exact = unitEuclidean(1 - cosine(a, b));
      const coded = unitEuclidean(1 - cosine(codec.encode(a), codec.encode(b)));
      expect(Math.abs(coded - exact)).toBeLessThan(2e-3);
    }
  });

  it('works for dimension counts that are not multiples of 128, and encodes zero as zero', () => {
    const codec = new Int8Codec(12);
    expect([...codec.encode(new Float32Array(12))].every((x) => x === 0)).toBe(true);
    const a = l2Normalize(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect(Math.hypot(...codec.rotate(a))).toBeCloseTo(1, 6);
    expect(() => codec.encode(new Float32Array(3))).toThrow(RangeError);
  });
});
