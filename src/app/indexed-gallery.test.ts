import { describe, expect, it } from 'vitest';
import { ExactFaceIndex } from '../adapters/face-index-exact/exact-face-index.ts';
import { UsearchFaceIndex } from '../adapters/face-index-usearch/usearch-face-index.ts';
import { l2Normalize } from '../core/embedding.ts';
import { AppError } from '../core/errors.ts';
import { Gallery } from '../core/gallery.ts';
import type { MatchPolicy } from '../core/open-set.ts';
import type { GallerySnapshot } from '../ports/gallery.ts';
import { IndexedGallery } from './indexed-gallery.ts';

const model = { name: 'm', version: '1', dimensions: 32, threshold: 0.9 };
const policy: MatchPolicy = { kind: 'fixed', threshold: 0.9 };

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** 40 people with 1–4 embeddings each, and 30 queries (some near a person, some strangers). */
function data() {
  const random = seeded(3);
  const vector = (centre?: Float32Array) =>
    l2Normalize(Float32Array.from({ length: model.dimensions }, (_, i) => (centre?.[i] ?? 0) + random()));
  const snapshot: GallerySnapshot = { version: 1, entries: [] };
  const centres: Float32Array[] = [];
  for (let p = 0; p < 40; p++) {
    const centre = vector();
    centres.push(centre);
    for (let e = 0; e <= p % 4; e++) {
      snapshot.entries.push({
        id: `e${p}-${e}`,
        personId: `p${p}`,
        embedding: vector(centre.map((x) => x * 3)),
      });
    }
  }
  const queries = Array.from({ length: 30 }, (_, q) =>
    q % 3 === 0 ? vector() : vector((centres[q] as Float32Array).map((x) => x * 3)),
  );
  return { snapshot, queries };
}

describe('IndexedGallery', () => {
  it('answers exactly as the flat Gallery over the exact index', () => {
    const { snapshot, queries } = data();
    const flat = new Gallery(model);
    for (const e of snapshot.entries) flat.add(e.personId, e.embedding);
    const indexed = new IndexedGallery(model, new ExactFaceIndex(model.dimensions));
    expect(indexed.sync(snapshot)).toEqual({ added: snapshot.entries.length, removed: 0 });
    expect(indexed.size).toBe(flat.size);
    expect(indexed.peopleCount).toBe(flat.peopleCount);
    for (const q of queries) {
      expect(indexed.search(q, 5)).toEqual(flat.search(q, 5));
      expect(indexed.decide(q, policy)).toEqual(flat.decide(q, policy));
    }
  });

  it('takes the same decisions over the HNSW index', () => {
    const { snapshot, queries } = data();
    const flat = new Gallery(model);
    for (const e of snapshot.entries) flat.add(e.personId, e.embedding);
    const indexed = new IndexedGallery(model, new UsearchFaceIndex(model.dimensions));
    indexed.sync(snapshot);
    for (const q of queries) {
      const a = indexed.decide(q, policy);
      const b = flat.decide(q, policy);
      expect(a.match?.personId).toBe(b.match?.personId);
      expect(a.nearest?.distance).toBeCloseTo(b.nearest?.distance as number, 2);
    }
  });

  it('follows the store: removals first, a deleted person is never answered, and a moved id is re-added', () => {
    const { snapshot } = data();
    const indexed = new IndexedGallery(model, new ExactFaceIndex(model.dimensions));
    indexed.sync(snapshot);
    const gone = snapshot.entries.filter((e) => e.personId === 'p7');
    const next: GallerySnapshot = {
      version: 2,
      entries: snapshot.entries
        .filter((e) => e.personId !== 'p7')
        .map((e) => (e.id === 'e8-0' ? { ...e, personId: 'p9' } : e)),
    };
    expect(indexed.sync(next)).toEqual({ added: 1, removed: gone.length + 1 });
    expect(indexed.peopleCount).toBe(38); // p7 deleted; p8 had one entry, now p9's
    for (const e of gone) expect(indexed.search(e.embedding, 40).map((m) => m.personId)).not.toContain('p7');
    expect(
      indexed.search(snapshot.entries.find((e) => e.id === 'e8-0')?.embedding as Float32Array, 1)[0],
    ).toMatchObject({ personId: 'p9' });
    expect(indexed.sync(next)).toEqual({ added: 0, removed: 0 });
  });

  it('refuses embeddings of another model or length, and answers an empty gallery with nothing', () => {
    const indexed = new IndexedGallery(model, new ExactFaceIndex(model.dimensions));
    const q = new Float32Array(model.dimensions);
    expect(indexed.search(q, 3)).toEqual([]);
    expect(indexed.decide(q, policy).operatingPoint.reason).toBe('empty_gallery');
    expect(() => indexed.search(q, 1, { name: 'other', version: '1' })).toThrow(AppError);
    expect(() => indexed.decide(new Float32Array(3), policy)).toThrow(AppError);
  });
});
