import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export type FaceApi = typeof import('@vladmandic/face-api');
/** tfjs as typed by face-api's bundled declarations (the same runtime object as @tensorflow/tfjs). */
export type Tf = FaceApi['tf'];
export type ImageTensor = ReturnType<Tf['tensor3d']>;

export interface FaceRuntime {
  tf: Tf;
  faceapi: FaceApi;
  faceApiVersion: string;
}

let loading: Promise<FaceRuntime> | undefined;

/** Directory of the model weights shipped inside the @vladmandic/face-api package. */
export function faceApiModelDir(): string {
  return path.dirname(
    require.resolve('@vladmandic/face-api/model/face_recognition_model-weights_manifest.json'),
  );
}

async function load(): Promise<FaceRuntime> {
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
  const modelDir = faceApiModelDir();
  await Promise.all([
    faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir),
    faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir),
    faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
    faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
  ]);
  const faceApiVersion = (require('@vladmandic/face-api/package.json') as { version: string }).version;
  return { tf, faceapi, faceApiVersion };
}

/** Loads tfjs (WASM + SIMD backend) and the face models once per thread. */
export function loadFaceRuntime(): Promise<FaceRuntime> {
  loading ??= load();
  return loading;
}
