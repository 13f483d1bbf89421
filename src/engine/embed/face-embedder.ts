import { CONVERTED_IO } from '../onnx-convert/converted-models.ts';
import { runOnnx } from '../runtime/onnx-runtime.ts';
import type { FaceRuntime } from '../runtime/tfjs-runtime.ts';

export const CHIP_SIZE = 150;

/**
 * 128-d descriptors (face-api's ResNet-34 port of dlib's model) for aligned 150×150 RGB chips.
 * Each chip runs alone through the network, so a face's embedding never depends on which
 * other faces were processed with it (bit-identical alone, in a batch, on any thread). On ONNX
 * Runtime (ADR 0011) the converted network gives the same descriptors within 1e-4.
 */
export async function embedChips(
  runtime: FaceRuntime,
  chips: readonly Uint8Array[],
): Promise<Float32Array[]> {
  const { tf, faceapi, onnx } = runtime;
  const out: Float32Array[] = [];
  if (onnx) {
    for (const chip of chips)
      out.push(
        await runOnnx(onnx.recognition, CONVERTED_IO.recognition, Float32Array.from(chip), [
          1,
          CHIP_SIZE,
          CHIP_SIZE,
          3,
        ]),
      );
    return out;
  }
  for (const chip of chips) {
    const tensor = tf.tensor3d(chip, [CHIP_SIZE, CHIP_SIZE, 3], 'int32');
    try {
      const result = tf.tidy(() =>
        faceapi.nets.faceRecognitionNet.forwardInput(new faceapi.NetInput([tensor])),
      );
      const data = (await result.data()) as Float32Array;
      result.dispose();
      out.push(new Float32Array(data));
    } finally {
      tensor.dispose();
    }
  }
  return out;
}
