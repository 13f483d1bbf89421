import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChunkPartial, reducePartials } from './average.ts';
import { EmbeddingSum, FRACTION_BITS, toFixed } from './exact-sum.ts';

function randomUnitVectors(count: number, dims: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, () => {
    const v = Float32Array.from({ length: dims }, rand);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
}

function partialOf(vectors: Float32Array[], name = 'm'): ChunkPartial {
  const sum = new EmbeddingSum(vectors[0]?.length ?? 4);
  for (const v of vectors) sum.add(v);
  return {
    sum: vectors.length > 0 ? sum.toJSON() : null,
    photos: vectors.length,
    photosUsed: vectors.length,
    faces: vectors.length,
    skipped: [],
    model: { name, version: '1', dimensions: sum.dimensions },
  };
}

describe('toFixed', () => {
  it('is exact for float32 values, and for their squares down to 2^-200', () => {
    for (const v of [1, -1, 0.5, 2 ** -30, -(2 ** -126), Math.fround(0.1), Math.fround(-0.7731)]) {
      const fixed = toFixed(v);
      expect(Number(fixed) / 2 ** Number(FRACTION_BITS)).toBe(v);
      if (v * v >= 2 ** -200) expect(Number(toFixed(v * v)) / 2 ** Number(FRACTION_BITS)).toBe(v * v);
      else expect(toFixed(v * v)).toBe(0n);
    }
    expect(toFixed(0)).toBe(0n);
    expect(toFixed(-0)).toBe(0n);
    expect(() => toFixed(Number.NaN)).toThrow(RangeError);
  });

  it('adds associatively: any permutation gives the same integer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (xs) => {
          const forward = xs.reduce((a, x) => a + toFixed(x), 0n);
          const backward = [...xs].reverse().reduce((a, x) => a + toFixed(x), 0n);
          expect(forward).toBe(backward);
        },
      ),
    );
  });
});

describe('EmbeddingSum', () => {
  it('matches a float64 two-pass computation of mean and std', () => {
    const vectors = randomUnitVectors(300, 16, 7);
    const sum = new EmbeddingSum(16);
    for (const v of vectors) sum.add(v);
    const stats = sum.statistics();
    for (let d = 0; d < 16; d++) {
      const values = vectors.map((v) => v[d] as number);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
      expect(stats.mean[d]).toBeCloseTo(mean, 12);
      expect(stats.std[d]).toBeCloseTo(Math.sqrt(variance), 12);
    }
    expect(Math.hypot(...stats.normalizedMean)).toBeCloseTo(1, 12);
  });

  it('gives zero std for identical vectors, never NaN', () => {
    const v = Float32Array.from([0.6, -0.8, 0, 0]);
    const sum = new EmbeddingSum(4);
    for (let i = 0; i < 3; i++) sum.add(v);
    const stats = sum.statistics();
    expect(stats.std).toEqual([0, 0, 0, 0]);
    expect(stats.mean.map((m) => Math.fround(m))).toEqual([...v]);
  });

  it('round-trips through JSON and merges to the same sums as adding everything at once', () => {
    const vectors = randomUnitVectors(40, 8, 3);
    const whole = new EmbeddingSum(8);
    for (const v of vectors) whole.add(v);
    const a = new EmbeddingSum(8);
    const b = new EmbeddingSum(8);
    for (const [i, v] of vectors.entries()) (i % 3 === 0 ? a : b).add(v);
    const merged = EmbeddingSum.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    merged.merge(EmbeddingSum.fromJSON(a.toJSON()));
    expect(merged.toJSON()).toEqual(whole.toJSON());
    expect(merged.statistics()).toEqual(whole.statistics());
  });

  it('rejects a vector of the wrong length and statistics of nothing', () => {
    const sum = new EmbeddingSum(4);
    expect(() => sum.add([1, 2])).toThrow(RangeError);
    expect(() => sum.statistics()).toThrow(RangeError);
  });
});

describe('reducePartials', () => {
  const vectors = randomUnitVectors(97, 128, 11);

  it('is bit-identical for any chunking and any arrival order', () => {
    const chunked = (size: number) => {
      const out: { index: number; partial: ChunkPartial }[] = [];
      for (let i = 0; i < vectors.length; i += size)
        out.push({ index: out.length, partial: partialOf(vectors.slice(i, i + size)) });
      return out;
    };
    const reference = reducePartials(chunked(97));
    for (const size of [1, 5, 16, 50]) {
      const parts = chunked(size);
      expect(reducePartials(parts)).toEqual(reference);
      expect(reducePartials([...parts].reverse())).toEqual(reference);
    }
    expect(reference?.counts).toEqual({
      photos: 97,
      photosUsed: 97,
      faces: 97,
      skipped: { unreadable: 0, not_an_image: 0, no_face: 0, too_large: 0 },
    });
  });

  it('counts skipped entries by reason, and returns null when no face was used', () => {
    const skippedOnly: ChunkPartial = {
      sum: null,
      photos: 3,
      photosUsed: 0,
      faces: 0,
      skipped: [
        { entry: 'a.txt', reason: 'not_an_image' },
        { entry: 'b.jpg', reason: 'no_face' },
        { entry: 'c.jpg', reason: 'unreadable' },
      ],
      model: null,
    };
    expect(reducePartials([{ index: 0, partial: skippedOnly }])).toBeNull();
    const result = reducePartials([
      { index: 1, partial: skippedOnly },
      { index: 0, partial: partialOf(vectors.slice(0, 2)) },
    ]);
    expect(result?.counts.skipped).toEqual({ unreadable: 1, not_an_image: 1, no_face: 1, too_large: 0 });
    expect(result?.counts.photos).toBe(5);
    expect(result?.skippedEntries.map((s) => s.entry)).toEqual(['a.txt', 'b.jpg', 'c.jpg']);
  });

  it('refuses to mix embeddings of different models', () => {
    expect(() =>
      reducePartials([
        { index: 0, partial: partialOf(vectors.slice(0, 2), 'a') },
        { index: 1, partial: partialOf(vectors.slice(2, 4), 'b') },
      ]),
    ).toThrow(/different models/);
  });
});
