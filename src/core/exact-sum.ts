/**
 * Exact, order-independent sums of embeddings for dataset averages.
 *
 * Every value is turned into a fixed-point integer with `FRACTION_BITS` bits after the binary point
 * (embedding components are float32 in [-1, 1], so they and their squares are exact there down to
 * 2^-200; anything finer is truncated toward zero, value by value, before any adding). Integers add
 * associatively, so the sums — and the mean, L2-normalised mean and standard deviation derived from
 * them — are bit-for-bit the same whatever the chunking, the worker count or the order partials arrive in.
 */
export const FRACTION_BITS = 200n;
const SCALE = 2 ** Number(FRACTION_BITS);

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** `value × 2^FRACTION_BITS`, truncated toward zero, as an integer. Exact for float32 inputs and their squares. */
export function toFixed(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`cannot sum a non-finite value: ${value}`);
  if (value === 0) return 0n;
  f64[0] = value;
  const bits = u64[0] as bigint;
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // value = mantissa × 2^(e − 1075), subnormals have e = 1 and no hidden bit
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const shift = BigInt(exponent === 0 ? 1 : exponent) - 1075n + FRACTION_BITS;
  const magnitude = shift >= 0n ? mantissa << shift : mantissa >> -shift;
  return negative ? -magnitude : magnitude;
}

/** Nearest double to `fixed × 2^-FRACTION_BITS × 2^-extraBits` (the BigInt → Number step rounds to nearest). */
function fromFixed(fixed: bigint, extraBits = 0): number {
  return Number(fixed) / SCALE / 2 ** extraBits;
}

/** Per-dimension sums of values and of their squares, and how many vectors went in. */
export class EmbeddingSum {
  readonly sum: bigint[];
  readonly sumSquares: bigint[];
  count = 0;

  constructor(readonly dimensions: number) {
    this.sum = new Array<bigint>(dimensions).fill(0n);
    this.sumSquares = new Array<bigint>(dimensions).fill(0n);
  }

  add(vector: ArrayLike<number>): void {
    if (vector.length !== this.dimensions)
      throw new RangeError(`expected ${this.dimensions} dimensions, got ${vector.length}`);
    for (let i = 0; i < this.dimensions; i++) {
      const v = vector[i] as number;
      this.sum[i] = (this.sum[i] as bigint) + toFixed(v);
      // v is a float32 (24-bit mantissa), so v*v is exact in float64
      this.sumSquares[i] = (this.sumSquares[i] as bigint) + toFixed(v * v);
    }
    this.count++;
  }

  merge(other: EmbeddingSum): void {
    if (other.dimensions !== this.dimensions)
      throw new RangeError(`cannot merge ${other.dimensions} into ${this.dimensions} dimensions`);
    for (let i = 0; i < this.dimensions; i++) {
      this.sum[i] = (this.sum[i] as bigint) + (other.sum[i] as bigint);
      this.sumSquares[i] = (this.sumSquares[i] as bigint) + (other.sumSquares[i] as bigint);
    }
    this.count += other.count;
  }

  /** Plain-data form for storage and queues: integers as hex strings. */
  toJSON(): SerializedEmbeddingSum {
    const hex = (v: bigint) => (v < 0n ? `-${(-v).toString(16)}` : v.toString(16));
    return {
      dimensions: this.dimensions,
      count: this.count,
      sum: this.sum.map(hex),
      sumSquares: this.sumSquares.map(hex),
    };
  }

  static fromJSON(data: SerializedEmbeddingSum): EmbeddingSum {
    const parse = (s: string) => (s.startsWith('-') ? -BigInt(`0x${s.slice(1)}`) : BigInt(`0x${s}`));
    if (data.sum.length !== data.dimensions || data.sumSquares.length !== data.dimensions)
      throw new RangeError('serialized sum has the wrong number of dimensions');
    const out = new EmbeddingSum(data.dimensions);
    for (let i = 0; i < data.dimensions; i++) {
      out.sum[i] = parse(data.sum[i] as string);
      out.sumSquares[i] = parse(data.sumSquares[i] as string);
    }
    out.count = data.count;
    return out;
  }

  /**
   * Mean, L2-normalised mean and population standard deviation per dimension. The variance is computed
   * exactly as (n·Σx² − (Σx)²) / n² before the one rounding, so it never comes out negative.
   */
  statistics(): EmbeddingStatistics {
    if (this.count === 0) throw new RangeError('no vectors were added');
    const n = BigInt(this.count);
    const mean = this.sum.map((s) => fromFixed(s) / this.count);
    const std = this.sum.map((s, i) => {
      const scaledVariance = n * (this.sumSquares[i] as bigint) * (1n << FRACTION_BITS) - s * s;
      return Math.sqrt(fromFixed(scaledVariance, Number(FRACTION_BITS)) / this.count / this.count);
    });
    const norm = Math.sqrt(mean.reduce((a, m) => a + m * m, 0));
    const normalizedMean = mean.map((m) => (norm > 0 ? m / norm : 0));
    return { mean, normalizedMean, std, norm };
  }
}

export interface SerializedEmbeddingSum {
  dimensions: number;
  count: number;
  sum: string[];
  sumSquares: string[];
}

export interface EmbeddingStatistics {
  mean: number[];
  /** The mean scaled to unit length (all zeros when the mean is the zero vector). */
  normalizedMean: number[];
  /** Population standard deviation per dimension. */
  std: number[];
  /** Euclidean length of the mean. */
  norm: number;
}
