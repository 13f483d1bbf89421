import type { FaceApi, Tf } from '../runtime/tfjs-runtime.ts';
import { installLeanRecognitionNet } from './face-recognition-net.ts';
import { installLeanSsdMobilenet } from './ssd-mobilenet.ts';
import { installLeanTinyDetector } from './tiny-face-detector.ts';

/**
 * Swaps the forward passes of face-api's detectors and descriptor network for memory-lean ones:
 * same operations, bit-identical outputs, but activations freed as soon as they are consumed. A
 * thread's WASM heap only ever grows, to the largest working set it has seen, so this is what bounds
 * a thread's memory (ADR 0002, "Memory").
 */
export function installLeanForwardPasses(tf: Tf, faceapi: FaceApi): void {
  installLeanTinyDetector(tf, faceapi, faceapi.nets.tinyFaceDetector);
  installLeanSsdMobilenet(tf, faceapi.nets.ssdMobilenetv1);
  installLeanRecognitionNet(tf, faceapi, faceapi.nets.faceRecognitionNet);
}

/** Puts face-api's own forward passes back (the naive baseline of `npm run bench:engine` measures face-api as shipped). */
export function restoreFaceApiForwardPasses(faceapi: FaceApi): void {
  const nets = [faceapi.nets.tinyFaceDetector, faceapi.nets.ssdMobilenetv1, faceapi.nets.faceRecognitionNet];
  for (const net of nets) Reflect.deleteProperty(net, 'forwardInput');
}
