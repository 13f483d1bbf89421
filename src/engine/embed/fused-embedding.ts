import { l2Normalize } from '../../core/embedding.ts';
import { FACE_RES_MEAN } from './face-res-mean.ts';

/**
 * Weight of the FaceRes part in the fused embedding. Chosen inside the 10-fold protocol on lfw-dev
 * (the weight that maximised accuracy on the nine training folds was 0.276 in all ten folds; docs/adr/0002).
 */
export const FACE_RES_WEIGHT = 0.28;

/**
 * One embedding from both descriptors: the face-api vector and the FaceRes vector (centred on the
 * mean FaceRes descriptor, then L2-normalised) are concatenated as [a, w·b] / √(1 + w²). The result
 * is a unit vector whose squared Euclidean distance is (d_a² + w²·d_b²) / (1 + w²), so the Gallery,
 * the thresholds and the flat storage keep working with a single Euclidean distance.
 */
export function fuseEmbeddings(faceApi: Float32Array, faceRes: Float32Array): Float32Array {
  if (faceRes.length !== FACE_RES_MEAN.length) {
    throw new RangeError(`FaceRes descriptor has ${faceRes.length} values, expected ${FACE_RES_MEAN.length}`);
  }
  const centred = new Float32Array(faceRes.length);
  for (let i = 0; i < centred.length; i++) centred[i] = (faceRes[i] as number) - (FACE_RES_MEAN[i] as number);
  const b = l2Normalize(centred);
  const a = l2Normalize(faceApi);
  const scale = 1 / Math.sqrt(1 + FACE_RES_WEIGHT * FACE_RES_WEIGHT);
  const out = new Float32Array(a.length + b.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) * scale;
  for (let i = 0; i < b.length; i++) out[a.length + i] = (b[i] as number) * FACE_RES_WEIGHT * scale;
  return out;
}
