import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoryModelPath } from '../runtime/onnx-runtime.ts';
import type { FaceRuntime } from '../runtime/tfjs-runtime.ts';
import { landmarkNetToOnnx, recognitionNetToOnnx } from './face-api-to-onnx.ts';

/** The networks converted from tfjs weights to ONNX (ADR 0011), by role. */
export type ConvertedNetwork = 'recognition' | 'landmarks';

/** File of each converted network under models/generated/ (produced, never committed: ADR 0011). */
export const CONVERTED_MODEL_FILES: Readonly<Record<ConvertedNetwork, string>> = {
  recognition: 'face_api_recognition.onnx',
  landmarks: 'face_api_landmark68.onnx',
};

/** Input and output names of the converted graphs. */
export const CONVERTED_IO = {
  recognition: { input: 'chips', output: 'descriptor' },
  landmarks: { input: 'faces', output: 'landmarks' },
} as const satisfies Record<ConvertedNetwork, { input: string; output: string }>;

/** Bump when the converters change what they write: older generated files are then rebuilt. */
export const CONVERTER_VERSION = 2;

export function convertedModelPath(network: ConvertedNetwork): string {
  return repositoryModelPath(path.join('generated', CONVERTED_MODEL_FILES[network]));
}

/**
 * One network converted from the weights already loaded into tfjs in this thread (the same values the
 * WASM path runs: face-api's dequantised uint8 weights).
 */
export async function convertNetwork(runtime: FaceRuntime, network: ConvertedNetwork): Promise<Uint8Array> {
  const producer = {
    name: 'faceflow models:onnx',
    version: `${CONVERTER_VERSION} (face-api ${runtime.faceApiVersion})`,
  };
  switch (network) {
    case 'recognition':
      return recognitionNetToOnnx(runtime.faceapi.nets.faceRecognitionNet).toBytes(producer);
    case 'landmarks':
      return landmarkNetToOnnx(runtime.faceapi.nets.faceLandmark68Net).toBytes(producer);
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
