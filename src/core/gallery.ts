import { euclideanDistanceAt } from './embedding.ts';
import { AppError } from './errors.ts';
import type { ModelInfo } from './face.ts';
import { decideIdentity, type Identification, type MatchPolicy } from './open-set.ts';

export interface GalleryMatch {
  personId: string;
  distance: number;
}

/**
 * What identification needs of a gallery: the nearest people of a face, and the open-set decision.
 * `Gallery` (exact, flat float32) and app/indexed-gallery.ts (over a FaceIndex) answer it.
 */
export interface GallerySearch {
  readonly model: ModelInfo;
  /** Embeddings held. */
  readonly size: number;
  /** People with at least one embedding (the N of the calibrated threshold). */
  readonly peopleCount: number;
  search(embedding: Float32Array, k?: number, model?: Pick<ModelInfo, 'name' | 'version'>): GalleryMatch[];
  decide(
    embedding: Float32Array,
    policy: MatchPolicy,
    model?: Pick<ModelInfo, 'name' | 'version'>,
  ): Identification;
}

/**
 * Enrolled embeddings of many people, for exact nearest-neighbour search.
 * Storage is one flat Float32Array (no object per vector); removal swaps the last
 * vector into the hole, so search cost stays proportional to the live count.
 */
export class Gallery implements GallerySearch {
  readonly model: ModelInfo;
  private vectors: Float32Array;
  private owners: string[] = [];
  private count = 0;

  constructor(model: ModelInfo, initialCapacity = 1024) {
    this.model = model;
    this.vectors = new Float32Array(Math.max(1, initialCapacity) * model.dimensions);
  }

  get size(): number {
    return this.count;
  }

  get people(): Set<string> {
    return new Set(this.owners);
  }

  get peopleCount(): number {
    return this.people.size;
  }

  add(
    personId: string,
    embedding: Float32Array,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): void {
    this.assertFits(embedding, model);
    const dims = this.model.dimensions;
    if ((this.count + 1) * dims > this.vectors.length) {
      const grown = new Float32Array(this.vectors.length * 2);
      grown.set(this.vectors);
      this.vectors = grown;
    }
    this.vectors.set(embedding, this.count * dims);
    this.owners[this.count] = personId;
    this.count++;
  }

  /** Removes every embedding of `personId`; returns how many were removed. */
  remove(personId: string): number {
    const dims = this.model.dimensions;
    let removed = 0;
    for (let i = this.count - 1; i >= 0; i--) {
      if (this.owners[i] !== personId) continue;
      const last = this.count - 1;
      if (i !== last) {
        this.vectors.copyWithin(i * dims, last * dims, (last + 1) * dims);
        this.owners[i] = this.owners[last] as string;
      }
      this.owners.length = last;
      this.count = last;
      removed++;
    }
    return removed;
  }

  /** Every stored embedding with its owner, in storage order (views into the gallery: copy to keep). */
  *entries(): IterableIterator<{ personId: string; embedding: Float32Array }> {
    const dims = this.model.dimensions;
    for (let i = 0; i < this.count; i++) {
      yield {
        personId: this.owners[i] as string,
        embedding: this.vectors.subarray(i * dims, (i + 1) * dims),
      };
    }
  }

  clear(): void {
    this.owners = [];
    this.count = 0;
  }

  /**
   * Exact top-k people nearest to `embedding`: each person appears once, at the distance of
   * their closest enrolled embedding, sorted by distance (ties by person id, for determinism).
   */
  search(
    embedding: Float32Array,
    k = 1,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): GalleryMatch[] {
    // Keeps only the k best (insertion into a short sorted list): no sort of every person.
    const wanted = Math.max(0, k);
    const best: GalleryMatch[] = [];
    if (wanted === 0) {
      this.assertFits(embedding, model);
      return best;
    }
    for (const [personId, distance] of this.nearestPerPerson(embedding, model)) {
      const m = { personId, distance };
      if (best.length === wanted && byDistance(m, best[wanted - 1] as GalleryMatch) >= 0) continue;
      let i = best.length;
      while (i > 0 && byDistance(m, best[i - 1] as GalleryMatch) < 0) i--;
      best.splice(i, 0, m);
      if (best.length > wanted) best.pop();
    }
    return best;
  }

  /**
   * Open-set identification under `policy` (the model's 1:N calibration, or a fixed threshold): the
   * nearest person or null, with the operating point of the decision (see core/open-set.ts).
   */
  decide(
    embedding: Float32Array,
    policy: MatchPolicy,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): Identification {
    const perPerson = this.nearestPerPerson(embedding, model);
    let first: GalleryMatch | undefined;
    let second: GalleryMatch | undefined;
    for (const [personId, distance] of perPerson) {
      const m = { personId, distance };
      if (first === undefined || byDistance(m, first) < 0) {
        second = first;
        first = m;
      } else if (second === undefined || byDistance(m, second) < 0) {
        second = m;
      }
    }
    const nearest = [first, second].filter((m): m is GalleryMatch => m !== undefined);
    return decideIdentity(nearest, perPerson.size, policy);
  }

  /** Each enrolled person's distance to `embedding` (their closest embedding). */
  private nearestPerPerson(
    embedding: Float32Array,
    model: Pick<ModelInfo, 'name' | 'version'>,
  ): Map<string, number> {
    this.assertFits(embedding, model);
    const dims = this.model.dimensions;
    const best = new Map<string, number>();
    for (let i = 0; i < this.count; i++) {
      const distance = euclideanDistanceAt(embedding, this.vectors, i * dims);
      const owner = this.owners[i] as string;
      const previous = best.get(owner);
      if (previous === undefined || distance < previous) best.set(owner, distance);
    }
    return best;
  }

  /**
   * The nearest person within a fixed `threshold`, or null for "unknown" (the model's 1:1 threshold
   * by default). For 1:N identification with the model's calibration use `decide`.
   */
  identify(
    embedding: Float32Array,
    threshold = this.model.threshold,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): GalleryMatch | null {
    const [nearest] = this.search(embedding, 1, model);
    return nearest !== undefined && nearest.distance <= threshold ? nearest : null;
  }

  private assertFits(embedding: Float32Array, model: Pick<ModelInfo, 'name' | 'version'>): void {
    assertComparable(this.model, embedding, model);
  }
}

/** An `invalid_input` error unless `embedding` of `model` can be compared with a gallery of `gallery`. */
export function assertComparable(
  gallery: ModelInfo,
  embedding: Float32Array,
  model: Pick<ModelInfo, 'name' | 'version'>,
): void {
  if (model.name !== gallery.name || model.version !== gallery.version) {
    throw new AppError(
      'invalid_input',
      `embeddings of model ${model.name}@${model.version} cannot be compared with ${gallery.name}@${gallery.version}`,
    );
  }
  if (embedding.length !== gallery.dimensions) {
    throw new AppError(
      'invalid_input',
      `embedding has ${embedding.length} dimensions, the model has ${gallery.dimensions}`,
    );
  }
}

/** Sorts matches by distance, ties by person id (deterministic answers). */
export function byDistance(a: GalleryMatch, b: GalleryMatch): number {
  return a.distance - b.distance || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0);
}
