import { euclideanDistanceAt } from './embedding.ts';
import { AppError } from './errors.ts';
import type { ModelInfo } from './face.ts';
import { decideIdentity, type Identification, type MatchPolicy } from './open-set.ts';

export interface GalleryMatch {
  personId: string;
  distance: number;
}

/**
 * Enrolled embeddings of many people, for exact nearest-neighbour search.
 * Storage is one flat Float32Array (no object per vector); removal swaps the last
 * vector into the hole, so search cost stays proportional to the live count.
 */
export class Gallery {
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
    const matches = [...this.nearestPerPerson(embedding, model)].map(([personId, distance]) => ({
      personId,
      distance,
    }));
    matches.sort(byDistance);
    return matches.slice(0, Math.max(0, k));
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
    this.assertSameModel(model);
    if (embedding.length !== this.model.dimensions) {
      throw new AppError(
        'invalid_input',
        `embedding has ${embedding.length} dimensions, the model has ${this.model.dimensions}`,
      );
    }
  }

  private assertSameModel(model: Pick<ModelInfo, 'name' | 'version'>): void {
    if (model.name !== this.model.name || model.version !== this.model.version) {
      throw new AppError(
        'invalid_input',
        `embeddings of model ${model.name}@${model.version} cannot be compared with ${this.model.name}@${this.model.version}`,
      );
    }
  }
}

function byDistance(a: GalleryMatch, b: GalleryMatch): number {
  return a.distance - b.distance || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0);
}
