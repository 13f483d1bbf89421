import { l2Normalize } from '../../core/embedding.ts';

/** Length of the ArcFace part of the fused embedding. */
export const ARC_FACE_DIMENSIONS = 512;

/**
 * One embedding from both descriptors: the face-api vector and the ArcFace vector, each
 * L2-normalised, are concatenated with equal weight as [a, b] / √2. The result is a unit vector whose
 * squared Euclidean distance is the mean of the two squared distances, (d_a² + d_b²) / 2, so the
 * Gallery, the thresholds and the flat storage keep working with a single Euclidean distance. The
 * equal weight is a rule, not a fitted value (docs/adr/0002): nothing here is tuned on any data set.
 */
export function fuseEmbeddings(faceApi: Float32Array, arcFace: Float32Array): Float32Array {
  if (arcFace.length !== ARC_FACE_DIMENSIONS) {
    throw new RangeError(`ArcFace descriptor has ${arcFace.length} values, expected ${ARC_FACE_DIMENSIONS}`);
  }
  const a = l2Normalize(faceApi);
  const b = l2Normalize(arcFace);
  const scale = Math.SQRT1_2;
  const out = new Float32Array(a.length + b.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) * scale;
  for (let i = 0; i < b.length; i++) out[a.length + i] = (b[i] as number) * scale;
  return out;
}
