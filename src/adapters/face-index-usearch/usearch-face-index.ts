import { readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import { Int8Codec, unitEuclidean } from '../../core/int8-codec.ts';
import type { FaceIndex, IndexedFace } from '../../ports/face-index.ts';

/** The native index of the usearch package (prebuilt in the npm package, no compiler needed). */
interface CompiledIndex {
  add(keys: BigUint64Array, vectors: Int8Array, threads: number): void;
  search(vectors: Int8Array, k: number, threads: number): [BigUint64Array, Float32Array, BigUint64Array];
  remove(keys: BigUint64Array): number[];
  size(): number;
  save(path: string): void;
  load(path: string): void;
}
type CompiledIndexClass = new (
  dimensions: number,
  metric: string,
  quantization: string,
  connectivity: number,
  expansionAdd: number,
  expansionSearch: number,
  multi: boolean,
) => CompiledIndex;

/**
 * The package's JavaScript wrapper turns every vector into float32 before the native code casts it to
 * int8 by its norm (too coarse for 1,152 small values), so the native class is used directly with
 * codes made by core/int8-codec.ts.
 */
function loadCompiledIndex(): CompiledIndexClass {
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  const root = path.resolve(path.dirname(require.resolve('usearch')), '../../..');
  return (nodeGypBuild(root) as { CompiledIndex: CompiledIndexClass }).CompiledIndex;
}
let compiledIndexClass: CompiledIndexClass | null = null;

export interface HnswOptions {
  /** Graph degree (M): more = better recall, more memory (8 bytes per unit per face). */
  connectivity?: number;
  /** Candidates kept while inserting (efConstruction). */
  expansionAdd?: number;
  /** Candidates kept while searching (ef): more = better recall, slower queries. */
  expansionSearch?: number;
}

export const DEFAULT_HNSW: Required<HnswOptions> = {
  connectivity: 16,
  expansionAdd: 128,
  expansionSearch: 128,
};

const GRAPH = 'graph.usearch';
const ENTRIES = 'entries.json';

/**
 * An HNSW graph (usearch) over int8 codes of the embeddings, cosine metric: for unit vectors the
 * Euclidean distance is √(2·(1 − cos)). Removal marks the node deleted: it is never returned again.
 */
export class UsearchFaceIndex implements FaceIndex {
  readonly dimensions: number;
  private readonly options: Required<HnswOptions>;
  private readonly codec: Int8Codec;
  private index: CompiledIndex;
  private readonly keys = new Map<string, number>();
  private readonly entries = new Map<number, { id: string; personId: string }>();
  private nextKey = 1;

  constructor(dimensions: number, options: HnswOptions = {}) {
    this.dimensions = dimensions;
    this.options = { ...DEFAULT_HNSW, ...options };
    this.codec = new Int8Codec(dimensions);
    this.index = this.emptyIndex();
  }

  private emptyIndex(): CompiledIndex {
    compiledIndexClass ??= loadCompiledIndex();
    const { connectivity, expansionAdd, expansionSearch } = this.options;
    return new compiledIndexClass(
      this.dimensions,
      'cos',
      'i8',
      connectivity,
      expansionAdd,
      expansionSearch,
      false,
    );
  }

  get size(): number {
    return this.keys.size;
  }

  has(id: string): boolean {
    return this.keys.has(id);
  }

  add(id: string, personId: string, embedding: Float32Array): void {
    if (this.keys.has(id)) throw new AppError('invalid_input', `face index entry ${id} is already held`);
    const code = this.encode(embedding);
    const key = this.nextKey++;
    this.index.add(new BigUint64Array([BigInt(key)]), code, 1);
    this.keys.set(id, key);
    this.entries.set(key, { id, personId });
  }

  remove(id: string): boolean {
    const key = this.keys.get(id);
    if (key === undefined) return false;
    this.index.remove(new BigUint64Array([BigInt(key)]));
    this.keys.delete(id);
    this.entries.delete(key);
    return true;
  }

  ids(): Iterable<string> {
    return this.keys.keys();
  }

  nearest(embedding: Float32Array, k: number, maxDistance = Number.POSITIVE_INFINITY): IndexedFace[] {
    const code = this.encode(embedding);
    const wanted = Math.min(Math.floor(k), this.keys.size);
    if (wanted <= 0) return [];
    const [keys, distances, counts] = this.index.search(code, wanted, 1);
    const found: IndexedFace[] = [];
    for (let i = 0; i < Number(counts[0] ?? 0); i++) {
      const entry = this.entries.get(Number(keys[i]));
      const distance = unitEuclidean(distances[i] as number);
      if (entry !== undefined && distance <= maxDistance) found.push({ ...entry, distance });
    }
    return found.sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async snapshot(dir: string): Promise<void> {
    this.index.save(path.join(dir, GRAPH));
    const entries = [...this.entries].map(([key, e]) => [key, e.id, e.personId]);
    await writeFile(
      path.join(dir, ENTRIES),
      JSON.stringify({ dimensions: this.dimensions, options: this.options, nextKey: this.nextKey, entries }),
    );
  }

  async restore(dir: string): Promise<void> {
    const meta = JSON.parse(await readFile(path.join(dir, ENTRIES), 'utf8')) as {
      dimensions: number;
      options: Required<HnswOptions>;
      nextKey: number;
      entries: [number, string, string][];
    };
    if (meta.dimensions !== this.dimensions || meta.options.connectivity !== this.options.connectivity) {
      throw new AppError('invalid_input', `face index snapshot in ${dir} does not fit this index`);
    }
    await stat(path.join(dir, GRAPH));
    const index = this.emptyIndex();
    index.load(path.join(dir, GRAPH));
    if (index.size() !== meta.entries.length) {
      throw new AppError('invalid_input', `face index snapshot in ${dir} is inconsistent`);
    }
    this.index = index;
    this.keys.clear();
    this.entries.clear();
    for (const [key, id, personId] of meta.entries) {
      this.keys.set(id, key);
      this.entries.set(key, { id, personId });
    }
    this.nextKey = meta.nextKey;
  }

  bytes(): number {
    // Per face: the int8 code, the base layer's 2·M 4-byte links plus upper layers (≈ 1/(M−1) more),
    // the 8-byte key and node header, and about 100 bytes for the two ids and the map slots.
    const links = 2 * this.options.connectivity * 4 * (1 + 1 / (this.options.connectivity - 1));
    return Math.round(this.keys.size * (this.dimensions + links + 16 + 100));
  }

  private encode(embedding: Float32Array): Int8Array {
    if (embedding.length !== this.dimensions) {
      throw new AppError(
        'invalid_input',
        `embedding has ${embedding.length} dimensions, the index ${this.dimensions}`,
      );
    }
    return this.codec.encode(embedding);
  }
}
