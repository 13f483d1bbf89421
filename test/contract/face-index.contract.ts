import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { l2Normalize } from '../../src/core/embedding.ts';
import { AppError } from '../../src/core/errors.ts';
import type { FaceIndex } from '../../src/ports/face-index.ts';

const DIMS = 64;

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** `people` people with `each` unit embeddings around a random centre, plus the exact distance. */
function dataset(people: number, each: number, seed = 7) {
  const random = seeded(seed);
  const entries: { id: string; personId: string; embedding: Float32Array }[] = [];
  for (let p = 0; p < people; p++) {
    const centre = Float32Array.from({ length: DIMS }, random);
    for (let e = 0; e < each; e++) {
      const v = centre.map((x) => x + 0.3 * random());
      entries.push({ id: `e${p}-${e}`, personId: `p${p}`, embedding: l2Normalize(v) });
    }
  }
  return entries;
}

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}

/**
 * What every FaceIndex adapter promises. `tolerance`: how far an adapter's distances may be from the
 * exact ones (0 for the exact scan; int8 codes round).
 */
export function faceIndexContract(name: string, make: (dims: number) => FaceIndex, tolerance: number): void {
  describe(`FaceIndex contract: ${name}`, () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'face-index-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('finds the nearest entries with their person and distance, nearest first', () => {
      const index = make(DIMS);
      const entries = dataset(30, 3);
      for (const e of entries) index.add(e.id, e.personId, e.embedding);
      expect(index.size).toBe(90);
      const query = entries[40] as (typeof entries)[number];
      const found = index.nearest(query.embedding, 5);
      expect(found).toHaveLength(5);
      expect(found[0]).toMatchObject({ id: query.id, personId: query.personId });
      expect(found[0]?.distance).toBeLessThanOrEqual(tolerance + 1e-6);
      const exact = entries
        .map((e) => ({ id: e.id, d: distance(e.embedding, query.embedding) }))
        .sort((a, b) => a.d - b.d)
        .slice(0, 5);
      expect(found.map((f) => f.id)).toEqual(exact.map((e) => e.id));
      found.forEach((f, i) => {
        expect(Math.abs(f.distance - (exact[i]?.d as number))).toBeLessThanOrEqual(tolerance + 1e-6);
      });
      for (let i = 1; i < found.length; i++) {
        expect(found[i]?.distance).toBeGreaterThanOrEqual(found[i - 1]?.distance as number);
      }
    });

    it('honours the distance bound and k, and answers an empty index with nothing', () => {
      const index = make(DIMS);
      const entries = dataset(10, 2);
      expect(index.nearest(entries[0]?.embedding as Float32Array, 3)).toEqual([]);
      for (const e of entries) index.add(e.id, e.personId, e.embedding);
      const bounded = index.nearest(entries[0]?.embedding as Float32Array, 20, 0.5);
      expect(bounded.length).toBeGreaterThan(0);
      expect(bounded.every((f) => f.distance <= 0.5)).toBe(true);
      expect(index.nearest(entries[0]?.embedding as Float32Array, 0)).toEqual([]);
      expect(index.nearest(entries[0]?.embedding as Float32Array, 100)).toHaveLength(20);
    });

    it('never returns a removed entry, and can take the same id again after removal', () => {
      const index = make(DIMS);
      const entries = dataset(20, 2);
      for (const e of entries) index.add(e.id, e.personId, e.embedding);
      const gone = entries[7] as (typeof entries)[number];
      expect(index.remove(gone.id)).toBe(true);
      expect(index.remove(gone.id)).toBe(false);
      expect(index.has(gone.id)).toBe(false);
      expect(index.size).toBe(39);
      expect(index.nearest(gone.embedding, 40).map((f) => f.id)).not.toContain(gone.id);
      expect([...index.ids()].sort()).toEqual(
        entries
          .map((e) => e.id)
          .filter((id) => id !== gone.id)
          .sort(),
      );
      index.add(gone.id, 'someone-else', gone.embedding);
      expect(index.nearest(gone.embedding, 1)[0]).toMatchObject({ id: gone.id, personId: 'someone-else' });
    });

    it('rejects a duplicate id and an embedding of the wrong length, changing nothing', () => {
      const index = make(DIMS);
      const [a] = dataset(1, 1);
      if (!a) throw new Error('no data');
      index.add(a.id, a.personId, a.embedding);
      expect(() => index.add(a.id, 'other', a.embedding)).toThrow(AppError);
      expect(() => index.add('short', 'p', new Float32Array(3))).toThrow(AppError);
      expect(() => index.nearest(new Float32Array(3), 1)).toThrow(AppError);
      expect(index.size).toBe(1);
      expect(index.nearest(a.embedding, 5).map((f) => f.personId)).toEqual([a.personId]);
    });

    it('restores a snapshot into an index that answers the same', async () => {
      const index = make(DIMS);
      const entries = dataset(25, 2);
      for (const e of entries) index.add(e.id, e.personId, e.embedding);
      index.remove('e3-0');
      await index.snapshot(dir);
      const restored = make(DIMS);
      restored.add('stale', 'p', entries[0]?.embedding as Float32Array);
      await restored.restore(dir);
      expect(restored.size).toBe(49);
      expect(restored.has('stale')).toBe(false);
      expect([...restored.ids()].sort()).toEqual([...index.ids()].sort());
      for (const e of entries.slice(0, 10)) {
        expect(restored.nearest(e.embedding, 3)).toEqual(index.nearest(e.embedding, 3));
      }
      restored.add('after', 'p', entries[1]?.embedding as Float32Array);
      expect(restored.has('after')).toBe(true);
      expect(index.bytes()).toBeGreaterThan(0);
    });

    it('refuses a snapshot of another dimension count or a missing one', async () => {
      const index = make(DIMS);
      for (const e of dataset(3, 1)) index.add(e.id, e.personId, e.embedding);
      await index.snapshot(dir);
      await expect(make(DIMS * 2).restore(dir)).rejects.toThrow();
      await expect(make(DIMS).restore(path.join(dir, 'missing'))).rejects.toThrow();
    });
  });
}
