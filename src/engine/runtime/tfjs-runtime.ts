import { createRequire } from 'node:module';
import path from 'node:path';

import { installLeanForwardPasses } from '../lean/index.ts';
import type { OnnxNetworks } from './onnx-networks.ts';
import { loadOnnxModel, type OnnxModel, repositoryModelPath } from './onnx-runtime.ts';

const require = createRequire(import.meta.url);

export type FaceApi = typeof import('@vladmandic/face-api');
/** tfjs as typed by face-api's bundled declarations (the same runtime object as @tensorflow/tfjs). */
export type Tf = FaceApi['tf'];
export type ImageTensor = ReturnType<Tf['tensor3d']>;

export interface FaceRuntime {
  tf: Tf;
  faceapi: FaceApi;
  faceApiVersion: string;
  /** YuNet (libfacedetection), the face detector, on ONNX Runtime's CPU kernels. */
  yunet: OnnxModel;
  /** The ArcFace-template recogniser (112×112, 512-d), the second descriptor, on ONNX Runtime's CPU kernels. */
  arcFace: OnnxModel;
  /**
   * The descriptor and landmark networks converted to ONNX, when this thread runs them on ONNX
   * Runtime (ENGINE_RUNTIME, ADR 0011); null: they run on tfjs-WASM.
   */
  onnx: OnnxNetworks | null;
}

/** The detector's weights under models/ (Apache-2.0, see models/NOTICE.md). */
export const YUNET_MODEL_FILE = 'yunet_n_dynamic.onnx';
/** The second descriptor's weights under models/ (MIT, see models/NOTICE.md). */
export const ARC_FACE_MODEL_FILE = 'arcface_mobilefacenet_fr_feature.onnx';

let loadingCore: Promise<FaceRuntime> | undefined;
let loading: Promise<FaceRuntime> | undefined;

/** Directory of the model weights shipped inside the @vladmandic/face-api package. */
export function faceApiModelDir(): string {
  return path.dirname(
    require.resolve('@vladmandic/face-api/model/face_recognition_model-weights_manifest.json'),
  );
}

/** tfjs with its WASM backend, the detectors (YuNet, the tiny detector), the ArcFace network and the package versions. */
async function loadCore(): Promise<FaceRuntime> {
  // face-api's node-wasm build requires these CommonJS modules itself; requiring the same
  // specifiers here guarantees one shared tfjs instance (tensors pass between both).
  const tfjs = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  const tf = tfjs as unknown as Tf;
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  const wasmDir = path.dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
  );
  wasm.setWasmPaths(`${wasmDir}${path.sep}`);
  // One wasm backend per worker thread: parallelism comes from the pool, not from wasm threads.
  wasm.setThreadsCount(1);
  tfjs.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tfjs.setBackend('wasm'))) throw new Error('the tfjs WASM backend failed to initialise');
  await tfjs.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(faceApiModelDir());
  installLeanForwardPasses(tf, faceapi);
  const yunet = await loadOnnxModel(repositoryModelPath(YUNET_MODEL_FILE));
  const arcFace = await loadOnnxModel(repositoryModelPath(ARC_FACE_MODEL_FILE));
  const faceApiVersion = (require('@vladmandic/face-api/package.json') as { version: string }).version;
  return { tf, faceapi, faceApiVersion, yunet, arcFace, onnx: null };
}

/** The core plus face-api's landmark and descriptor networks on tfjs. */
async function load(): Promise<FaceRuntime> {
  const core = await loadFaceRuntimeCore();
  const modelDir = faceApiModelDir();
  await Promise.all([
    core.faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
    core.faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
  ]);
  return core;
}

let loadingSsd: Promise<FaceApi['nets']['ssdMobilenetv1']> | undefined;

/** SSD MobileNet v1, loaded into this thread on first use (the detector's optional last resort). */
export function loadSsdMobilenet(runtime: FaceRuntime): Promise<FaceApi['nets']['ssdMobilenetv1']> {
  const net = runtime.faceapi.nets.ssdMobilenetv1;
  loadingSsd ??= net
    .loadFromDisk(faceApiModelDir())
    .then(() => net)
    .catch((error: unknown) => {
      loadingSsd = undefined; // the next photo that needs it tries again
      throw error;
    });
  return loadingSsd;
}

/**
 * Loads tfjs (WASM + SIMD backend), ONNX Runtime and the detectors once per thread, without the
 * networks that ONNX Runtime can run instead (ADR 0011): their weights would only take memory.
 */
export function loadFaceRuntimeCore(): Promise<FaceRuntime> {
  loadingCore ??= loadCore();
  return loadingCore;
}

/** Loads tfjs (WASM + SIMD backend), ONNX Runtime and the face models once per thread (SSD MobileNet on demand). */
export function loadFaceRuntime(): Promise<FaceRuntime> {
  loading ??= load();
  return loading;
}

/** The parts of tfjs's engine API that face-api's typings leave out. */
type TfEngineApi = { backend(): unknown; memory(): { numTensors: number } };

/** Size of this thread's tfjs WASM heap in bytes: it grows to the largest working set seen and never shrinks. */
export function wasmHeapBytes(runtime: FaceRuntime): number {
  const backend = (runtime.tf as unknown as TfEngineApi).backend() as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? 0;
}

/** Tensors alive on this thread (a leak check). */
export function liveTensors(runtime: FaceRuntime): number {
  return (runtime.tf as unknown as TfEngineApi).memory().numTensors;
}
