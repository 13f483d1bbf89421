import { l2Normalize } from '../../core/embedding.ts';
import { CONVERTED_IO } from '../onnx-convert/converted-models.ts';
import { runOnnx } from '../runtime/onnx-runtime.ts';
import type { FaceRuntime } from '../runtime/tfjs-runtime.ts';

/** FaceRes takes 224×224 RGB chips with values 0..255 (its preprocessing is folded into the first convolution). */
export const FACE_RES_CHIP_SIZE = 224;
/** The 1024-d global-pooling output: the identity features (the other heads give age and gender). */
const FACE_RES_DESCRIPTOR = 'global_pooling/Mean';

/**
 * L2-normalised 1024-d FaceRes descriptors for aligned 224×224 RGB chips. One chip at a time, as
 * for the face-api descriptor, so a face's embedding never depends on the rest of the batch.
 */
export async function embedFaceResChips(
  runtime: FaceRuntime,
  chips: readonly Uint8Array[],
): Promise<Float32Array[]> {
  const { tf, faceRes, onnx } = runtime;
  const out: Float32Array[] = [];
  if (onnx) {
    const dims = [1, FACE_RES_CHIP_SIZE, FACE_RES_CHIP_SIZE, 3];
    for (const chip of chips)
      out.push(l2Normalize(await runOnnx(onnx.faceRes, CONVERTED_IO.faceRes, Float32Array.from(chip), dims)));
    return out;
  }
  if (!faceRes) throw new Error('FaceRes is not loaded into tfjs on this thread');
  for (const chip of chips) {
    const input = tf.tensor4d(Float32Array.from(chip), [1, FACE_RES_CHIP_SIZE, FACE_RES_CHIP_SIZE, 3]);
    try {
      const result = faceRes.execute(input as never, FACE_RES_DESCRIPTOR) as unknown as {
        data(): Promise<Float32Array>;
        dispose(): void;
      };
      const data = await result.data();
      result.dispose();
      out.push(l2Normalize(new Float32Array(data)));
    } finally {
      input.dispose();
    }
  }
  return out;
}
