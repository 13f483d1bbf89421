import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoryModelPath } from '../runtime/onnx-runtime.ts';
import { type FaceRuntime, faceResModelPath } from '../runtime/tfjs-runtime.ts';
import { landmarkNetToOnnx, recognitionNetToOnnx } from './face-api-to-onnx.ts';
import { type TfGraphNode, tfGraphToOnnx } from './face-res-to-onnx.ts';
import type { Weight } from './onnx-layers.ts';

/** The networks converted from tfjs weights to ONNX (ADR 0011), by role. */
export type ConvertedNetwork = 'recognition' | 'landmarks' | 'faceRes';

/** File of each converted network under models/generated/ (produced, never committed: ADR 0011). */
export const CONVERTED_MODEL_FILES: Readonly<Record<ConvertedNetwork, string>> = {
  recognition: 'face_api_recognition.onnx',
  landmarks: 'face_api_landmark68.onnx',
  faceRes: 'faceres.onnx',
};

/** Input and output names of the converted graphs. */
export const CONVERTED_IO = {
  recognition: { input: 'chips', output: 'descriptor' },
  landmarks: { input: 'faces', output: 'landmarks' },
  faceRes: { input: 'chips', output: 'descriptor' },
} as const satisfies Record<ConvertedNetwork, { input: string; output: string }>;

/** FaceRes's identity features (its other heads give age and gender). */
export const FACE_RES_OUTPUT = 'global_pooling/Mean';

/** Bump when the converters change what they write: older generated files are then rebuilt. */
export const CONVERTER_VERSION = 1;

export function convertedModelPath(network: ConvertedNetwork): string {
  return repositoryModelPath(path.join('generated', CONVERTED_MODEL_FILES[network]));
}

interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
}

async function faceResGraph(runtime: FaceRuntime) {
  const json = JSON.parse(await readFile(faceResModelPath(), 'utf8')) as {
    modelTopology: { node: TfGraphNode[] };
  };
  if (!runtime.faceRes) throw new Error('FaceRes is not loaded into tfjs: nothing to convert');
  const weights = runtime.faceRes.weights as unknown as Record<string, TensorLike[] | undefined>;
  return tfGraphToOnnx({
    graphName: 'faceres_descriptor',
    nodes: json.modelTopology.node,
    weight: (name): Weight | undefined => {
      const t = weights[name]?.[0];
      return t ? { shape: [...t.shape], data: Float32Array.from(t.dataSync()) } : undefined;
    },
    output: FACE_RES_OUTPUT,
    outputName: CONVERTED_IO.faceRes.output,
    outputDims: ['batch', 1024],
    inputName: CONVERTED_IO.faceRes.input,
  });
}

/**
 * One network converted from the weights already loaded into tfjs in this thread (the same values the
 * WASM path runs: face-api's dequantised uint8 weights, FaceRes's float16 ones as float32).
 */
export async function convertNetwork(runtime: FaceRuntime, network: ConvertedNetwork): Promise<Uint8Array> {
  const producer = {
    name: 'faceflow models:onnx',
    version: `${CONVERTER_VERSION} (face-api ${runtime.faceApiVersion}, human ${runtime.humanVersion})`,
  };
  switch (network) {
    case 'recognition':
      return recognitionNetToOnnx(runtime.faceapi.nets.faceRecognitionNet).toBytes(producer);
    case 'landmarks':
      return landmarkNetToOnnx(runtime.faceapi.nets.faceLandmark68Net).toBytes(producer);
    case 'faceRes':
      return (await faceResGraph(runtime)).toBytes(producer);
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes a converted model atomically, so a reader (another engine thread) never sees half a file. */
export async function writeConvertedModel(network: ConvertedNetwork, bytes: Uint8Array): Promise<string> {
  const target = convertedModelPath(network);
  await writeAtomically(target, bytes);
  return target;
}

/** Writes a file through a temporary file renamed into place. */
export async function writeAtomically(target: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, target);
}
