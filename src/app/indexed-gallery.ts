import type { ModelInfo } from '../core/face.ts';
import { assertComparable, byDistance, type GalleryMatch, type GallerySearch } from '../core/gallery.ts';
import { decideIdentity, type Identification, type MatchPolicy } from '../core/open-set.ts';
import type { FaceIndex } from '../ports/face-index.ts';
import type { GallerySnapshot } from '../ports/gallery.ts';

/** Entries fetched per person wanted on the first try (a person may own several of the nearest entries). */
const ENTRIES_PER_PERSON = 4;
const MIN_FETCH = 16;

/**
 * The gallery over a FaceIndex: nearest people and the open-set decision from the index's nearest
 * entries. Kept equal to the store's gallery by `sync` (ids that came and went since the last one).
 */
export class IndexedGallery implements GallerySearch {
  private readonly entriesPerPerson = new Map<string, number>();
  private readonly personOf = new Map<string, string>();

  constructor(
    readonly model: ModelInfo,
    readonly index: FaceIndex,
  ) {}

  get size(): number {
    return this.index.size;
  }

  get peopleCount(): number {
    return this.entriesPerPerson.size;
  }

  /**
   * Makes the index hold exactly the snapshot's entries: removes every id the store no longer has
   * first (a deleted person is never answered), then adds the new ones. Returns what changed.
   */
  sync(snapshot: GallerySnapshot): { added: number; removed: number } {
    const wanted = new Map(snapshot.entries.map((e) => [e.id, e]));
    let removed = 0;
    for (const id of [...this.index.ids()]) {
      const entry = wanted.get(id);
      if (entry !== undefined && this.personOf.get(id) === entry.personId) continue;
      this.index.remove(id);
      this.forget(id);
      removed++;
    }
    let added = 0;
    for (const entry of snapshot.entries) {
      if (this.index.has(entry.id)) continue;
      this.index.add(entry.id, entry.personId, entry.embedding);
      this.personOf.set(entry.id, entry.personId);
      this.entriesPerPerson.set(entry.personId, (this.entriesPerPerson.get(entry.personId) ?? 0) + 1);
      added++;
    }
    return { added, removed };
  }

  /** After `index.restore`: learns the restored entries' people (their ids are all the index tells). */
  adoptRestored(snapshot: GallerySnapshot): void {
    this.personOf.clear();
    this.entriesPerPerson.clear();
    const people = new Map(snapshot.entries.map((e) => [e.id, e.personId]));
    for (const id of this.index.ids()) {
      const personId = people.get(id);
      // Unknown to the store: `sync` removes it (an empty person never matches one in the store).
      this.personOf.set(id, personId ?? '');
      if (personId !== undefined) {
        this.entriesPerPerson.set(personId, (this.entriesPerPerson.get(personId) ?? 0) + 1);
      }
    }
  }

  search(
    embedding: Float32Array,
    k = 1,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): GalleryMatch[] {
    assertComparable(this.model, embedding, model);
    return this.nearestPeople(embedding, Math.max(0, k));
  }

  decide(
    embedding: Float32Array,
    policy: MatchPolicy,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): Identification {
    assertComparable(this.model, embedding, model);
    return decideIdentity(this.nearestPeople(embedding, 2), this.peopleCount, policy);
  }

  /** The `k` nearest people, each at their nearest entry: asks the index for more entries until enough. */
  private nearestPeople(embedding: Float32Array, k: number): GalleryMatch[] {
    if (k === 0 || this.index.size === 0) return [];
    let fetch = Math.min(this.index.size, Math.max(MIN_FETCH, k * ENTRIES_PER_PERSON));
    for (;;) {
      const best = new Map<string, number>();
      const found = this.index.nearest(embedding, fetch);
      for (const f of found) {
        const previous = best.get(f.personId);
        if (previous === undefined || f.distance < previous) best.set(f.personId, f.distance);
      }
      if (best.size >= k || found.length < fetch || fetch >= this.index.size) {
        return [...best]
          .map(([personId, distance]) => ({ personId, distance }))
          .sort(byDistance)
          .slice(0, k);
      }
      fetch = Math.min(this.index.size, fetch * 4);
    }
  }

  private forget(id: string): void {
    const personId = this.personOf.get(id);
    this.personOf.delete(id);
    if (personId === undefined) return;
    const left = (this.entriesPerPerson.get(personId) ?? 0) - 1;
    if (left > 0) this.entriesPerPerson.set(personId, left);
    else this.entriesPerPerson.delete(personId);
  }
}
