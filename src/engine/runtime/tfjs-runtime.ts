import { readFile } from 'node:fs/promises';
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

export type GraphModel = Awaited<ReturnType<typeof import('@tensorflow/tfjs')['loadGraphModel']>>;

export interface FaceRuntime {
  tf: Tf;
  faceapi: FaceApi;
  faceApiVersion: string;
  /**
   * Human's FaceRes network (HSE FaceRec, MobileNet on VGGFace2): the second descriptor, on tfjs. Null
   * in a runtime that runs it on ONNX Runtime and never loaded it into tfjs (`loadFaceRuntimeCore`).
   */
  faceRes: GraphModel | null;
  humanVersion: string;
  /** YuNet (libfacedetection), the face detector, on ONNX Runtime's CPU kernels. */
  yunet: OnnxModel;
  /**
   * The descriptor, landmark and FaceRes networks converted to ONNX, when this thread runs them on
   * ONNX Runtime (ENGINE_RUNTIME, ADR 0011); null: they run on tfjs-WASM.
   */
  onnx: OnnxNetworks | null;
}

/** The detector's weights under models/ (Apache-2.0, see models/NOTICE.md). */
export const YUNET_MODEL_FILE = 'yunet_n_dynamic.onnx';

let loadingCore: Promise<FaceRuntime> | undefined;
let loading: Promise<FaceRuntime> | undefined;

/** Directory of the model weights shipped inside the @vladmandic/face-api package. */
export function faceApiModelDir(): string {
  return path.dirname(
    require.resolve('@vladmandic/face-api/model/face_recognition_model-weights_manifest.json'),
  );
}

/** Root of the @vladmandic/human package (its `exports` map hides models/ and package.json). */
function humanPackageDir(): string {
  return path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..');
}

/** Path of the FaceRes graph model shipped inside the @vladmandic/human package. */
export function faceResModelPath(): string {
  return path.join(humanPackageDir(), 'models', 'faceres.json');
}

/** A tfjs graph model from disk (tfjs without tfjs-node has no file:// loader). */
async function loadGraphModelFromDisk(
  tfjs: typeof import('@tensorflow/tfjs'),
  modelJson: string,
): Promise<GraphModel> {
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{
      paths: string[];
      weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[];
    }>;
  };
  const dir = path.dirname(modelJson);
  const shards = await Promise.all(
    json.weightsManifest.flatMap((group) => group.paths).map((p) => readFile(path.join(dir, p))),
  );
  const weights = Buffer.concat(shards);
  return tfjs.loadGraphModel(
    tfjs.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
}

/** tfjs with its WASM backend, the detectors (YuNet, the tiny detector) and the package versions. */
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
  const faceApiVersion = (require('@vladmandic/face-api/package.json') as { version: string }).version;
  const humanPackage = await readFile(path.join(humanPackageDir(), 'package.json'), 'utf8');
  const humanVersion = (JSON.parse(humanPackage) as { version: string }).version;
  return { tf, faceapi, faceApiVersion, faceRes: null, humanVersion, yunet, onnx: null };
}

/** The core plus the landmark, descriptor and FaceRes networks on tfjs. */
async function load(): Promise<FaceRuntime> {
  const core = await loadFaceRuntimeCore();
  const modelDir = faceApiModelDir();
  await Promise.all([
    core.faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
    core.faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
  ]);
  const tfjs = core.tf as unknown as typeof import('@tensorflow/tfjs');
  return { ...core, faceRes: await loadGraphModelFromDisk(tfjs, faceResModelPath()) };
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
