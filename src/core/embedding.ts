/** Embedding math on plain typed arrays: no allocation per comparison. */

export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) * (vector[i] as number);
  const norm = Math.sqrt(sum);
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  for (let i = 0; i < vector.length; i++) out[i] = (vector[i] as number) / norm;
  return out;
}

/** Euclidean distance between `a` and the vector stored at `offset` in `flat`. */
export function euclideanDistanceAt(a: Float32Array, flat: Float32Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (flat[offset + i] as number);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export function euclideanDistance(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`embedding sizes differ: ${a.length} vs ${b.length}`);
  return euclideanDistanceAt(a, b, 0);
}
