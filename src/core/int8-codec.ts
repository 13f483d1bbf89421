/**
 * Embeddings as one signed byte per dimension, for the HNSW index (1 byte instead of 4 per value).
 *
 * A fused embedding's energy is uneven: its 128 face-api values are about ten times larger than its
 * 1,024 FaceRes values, so quantizing it directly would leave the FaceRes part with only a few levels.
 * The codec therefore first applies a fixed orthogonal rotation that spreads every part over all
 * dimensions (a dimension interleave, seeded sign flips and a Walsh–Hadamard transform per block), then
 * scales each vector so that its largest value is ±127. An orthogonal rotation keeps every distance and
 * every cosine; the per-vector scale keeps every cosine too; so cosine distance on the codes is the
 * cosine distance of the embeddings, up to rounding (about 2·10⁻⁴ in Euclidean distance for unit vectors).
 */
export class Int8Codec {
  readonly dimensions: number;
  private readonly block: number;
  private readonly order: Uint32Array;
  private readonly signs: Float32Array;

  constructor(dimensions: number) {
    this.dimensions = dimensions;
    // The largest power of two (at most 128) that divides the dimension count.
    this.block = Math.min(128, dimensions & -dimensions);
    const blocks = dimensions / this.block;
    this.order = new Uint32Array(dimensions);
    for (let i = 0; i < dimensions; i++) this.order[i] = (i % blocks) * this.block + Math.floor(i / blocks);
    this.signs = new Float32Array(dimensions);
    let state = 0x9e3779b9;
    for (let i = 0; i < dimensions; i++) {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      this.signs[i] = state & 1 ? 1 : -1;
    }
  }

  /** The rotated vector (same length as the embedding, same norm). */
  rotate(embedding: Float32Array): Float32Array {
    if (embedding.length !== this.dimensions) {
      throw new RangeError(`embedding has ${embedding.length} dimensions, the codec ${this.dimensions}`);
    }
    const out = new Float32Array(this.dimensions);
    for (let i = 0; i < this.dimensions; i++) {
      out[i] = (embedding[this.order[i] as number] as number) * (this.signs[i] as number);
    }
    const scale = 1 / Math.sqrt(this.block);
    for (let start = 0; start < this.dimensions; start += this.block) {
      for (let h = 1; h < this.block; h *= 2) {
        for (let i = start; i < start + this.block; i += h * 2) {
          for (let j = i; j < i + h; j++) {
            const a = out[j] as number;
            const b = out[j + h] as number;
            out[j] = a + b;
            out[j + h] = a - b;
          }
        }
      }
      for (let i = start; i < start + this.block; i++) out[i] = (out[i] as number) * scale;
    }
    return out;
  }

  /** The int8 code of an embedding (all zeros for the zero vector). */
  encode(embedding: Float32Array): Int8Array {
    const rotated = this.rotate(embedding);
    let max = 0;
    for (const x of rotated) max = Math.max(max, Math.abs(x));
    const code = new Int8Array(this.dimensions);
    if (max === 0) return code;
    const scale = 127 / max;
    for (let i = 0; i < this.dimensions; i++) code[i] = Math.round((rotated[i] as number) * scale);
    return code;
  }
}

/** Euclidean distance between two unit vectors whose cosine distance (1 − cos) is `cosineDistance`. */
export function unitEuclidean(cosineDistance: number): number {
  return Math.sqrt(Math.max(0, 2 * cosineDistance));
}
