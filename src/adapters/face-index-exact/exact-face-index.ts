import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { ModelInfo } from '../../core/face.ts';
import { Gallery } from '../../core/gallery.ts';
import type { FaceIndex, IndexedFace } from '../../ports/face-index.ts';

const VECTORS = 'vectors.f32';
const ENTRIES = 'entries.json';

/**
 * The exact scan: core's flat `Gallery`, with each entry id standing in for the gallery's owner so that
 * its per-owner search is a per-entry search. Memory: 4 bytes per dimension plus the ids.
 */
export class ExactFaceIndex implements FaceIndex {
  readonly dimensions: number;
  private readonly model: ModelInfo;
  private gallery: Gallery;
  private readonly people = new Map<string, string>();

  constructor(dimensions: number) {
    this.dimensions = dimensions;
    this.model = { name: 'face-index', version: 'exact', dimensions, threshold: Number.POSITIVE_INFINITY };
    this.gallery = new Gallery(this.model);
  }

  get size(): number {
    return this.gallery.size;
  }

  has(id: string): boolean {
    return this.people.has(id);
  }

  add(id: string, personId: string, embedding: Float32Array): void {
    if (this.people.has(id)) throw new AppError('invalid_input', `face index entry ${id} is already held`);
    this.gallery.add(id, embedding);
    this.people.set(id, personId);
  }

  remove(id: string): boolean {
    if (!this.people.delete(id)) return false;
    this.gallery.remove(id);
    return true;
  }

  ids(): Iterable<string> {
    return this.people.keys();
  }

  nearest(embedding: Float32Array, k: number, maxDistance = Number.POSITIVE_INFINITY): IndexedFace[] {
    if (embedding.length !== this.dimensions) {
      throw new AppError(
        'invalid_input',
        `embedding has ${embedding.length} dimensions, the index ${this.dimensions}`,
      );
    }
    if (this.gallery.size === 0 || k <= 0) return [];
    return this.gallery
      .search(embedding, k)
      .filter((m) => m.distance <= maxDistance)
      .map((m) => ({
        id: m.personId,
        personId: this.people.get(m.personId) as string,
        distance: m.distance,
      }));
  }

  async snapshot(dir: string): Promise<void> {
    const flat = new Float32Array(this.gallery.size * this.dimensions);
    const entries: [string, string][] = [];
    let i = 0;
    for (const { personId: id, embedding } of this.gallery.entries()) {
      flat.set(embedding, i++ * this.dimensions);
      entries.push([id, this.people.get(id) as string]);
    }
    await writeFile(path.join(dir, VECTORS), new Uint8Array(flat.buffer));
    await writeFile(path.join(dir, ENTRIES), JSON.stringify({ dimensions: this.dimensions, entries }));
  }

  async restore(dir: string): Promise<void> {
    const meta = JSON.parse(await readFile(path.join(dir, ENTRIES), 'utf8')) as {
      dimensions: number;
      entries: [string, string][];
    };
    const raw = await readFile(path.join(dir, VECTORS));
    if (meta.dimensions !== this.dimensions || raw.byteLength !== meta.entries.length * this.dimensions * 4) {
      throw new AppError('invalid_input', `face index snapshot in ${dir} does not fit this index`);
    }
    const flat = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const gallery = new Gallery(this.model, Math.max(1, meta.entries.length));
    this.people.clear();
    meta.entries.forEach(([id, personId], i) => {
      gallery.add(id, flat.subarray(i * this.dimensions, (i + 1) * this.dimensions));
      this.people.set(id, personId);
    });
    this.gallery = gallery;
  }

  bytes(): number {
    // Vectors, plus about 100 bytes per entry for its two ids and the map slot.
    return this.gallery.size * (this.dimensions * 4 + 100);
  }
}
