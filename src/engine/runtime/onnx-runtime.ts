import { fileURLToPath } from 'node:url';
import type { InferenceSession } from 'onnxruntime-node';

export type OnnxModule = typeof import('onnxruntime-node');

/** An ONNX model ready to run on this thread, with the runtime module that made it (for its Tensor class). */
export interface OnnxModel {
  ort: OnnxModule;
  session: InferenceSession;
}

/** Path of a model file committed under the repository's `models/` folder (see models/NOTICE.md). */
export function repositoryModelPath(file: string): string {
  return fileURLToPath(new URL(`../../../models/${file}`, import.meta.url));
}

/**
 * Opens an ONNX model (a file, or a model's bytes) on ONNX Runtime's CPU execution provider. One intra-op thread: the engine's
 * parallelism comes from its worker-thread pool, one model instance per thread. 'extended' graph
 * optimisation (constant folding and node fusions) runs these small convolutional networks about
 * three times faster than the default level here. No memory arena: an arena keeps the largest
 * working set it has seen (YuNet on a 2,048-px photo) for the life of the thread; without it the
 * 4-thread worst case of bench:engine peaked at 1,852 instead of 2,315 MiB, at the same speed.
 */
export async function loadOnnxModel(model: string | Uint8Array): Promise<OnnxModel> {
  const ort = (await import('onnxruntime-node')) as OnnxModule;
  const options = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'extended',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableCpuMemArena: false,
  } as const;
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, options)
      : await ort.InferenceSession.create(model, options);
  return { ort, session };
}

/**
 * Runs a single-input, single-output model on one float32 input and returns a copy of the output
 * (the tensors ONNX Runtime made are released at once).
 */
export async function runOnnx(
  model: OnnxModel,
  io: { input: string; output: string },
  data: Float32Array,
  dims: readonly number[],
): Promise<Float32Array> {
  const input = new model.ort.Tensor('float32', data, dims);
  try {
    const outputs = await model.session.run({ [io.input]: input });
    const output = outputs[io.output];
    if (!output) throw new Error(`the model has no output ${io.output}`);
    const copy = new Float32Array(output.data as Float32Array);
    for (const value of Object.values(outputs)) value.dispose();
    return copy;
  } finally {
    input.dispose();
  }
}
