import type { FaceRuntime, ImageTensor } from '../runtime/tfjs-runtime.ts';

/** A face found by a detector, in pixels of the decoded image. */
export interface Detection {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

export interface DetectorOptions {
  /** Minimum confidence of the tiny detector. */
  minScore: number;
  /** Minimum confidence of the SSD MobileNet fallback (run only when the tiny detector finds nothing at any size). */
  fallbackMinScore: number;
  /** false disables the fallbacks (larger tiny sizes, then SSD). */
  fallback: boolean;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  minScore: 0.3,
  fallbackMinScore: 0.5,
  fallback: true,
};

/**
 * The tiny detector's input size grows with the photo (a face must keep enough pixels at the
 * network's input to be found), from 160 for thumbnails like LFW's 250 px to 608 for large photos.
 */
export function detectorInputSize(width: number, height: number): number {
  return roundSize(Math.max(width, height) / 3.75);
}

function roundSize(wanted: number): number {
  return Math.min(608, Math.max(160, Math.ceil(wanted / 32) * 32));
}

/** Sizes tried, in order, while nothing is found: the photo's own size, then 1.4× and 2× it. */
export function detectorInputSizes(width: number, height: number): number[] {
  const first = detectorInputSize(width, height);
  return [...new Set([first, roundSize(first * 1.4), roundSize(first * 2)])];
}

/**
 * Finds faces with face-api's Tiny Face Detector at an input size chosen from the photo size; when
 * it finds nothing, it looks again at larger input sizes and finally with SSD MobileNet v1.
 * Never invents a box: a photo without faces gives an empty list.
 */
export async function detectFaces(
  runtime: FaceRuntime,
  image: ImageTensor,
  options: DetectorOptions = DEFAULT_DETECTOR_OPTIONS,
): Promise<Detection[]> {
  const { faceapi } = runtime;
  const [height, width] = image.shape;
  const sizes = detectorInputSizes(width, height);
  let found: Awaited<ReturnType<typeof faceapi.nets.tinyFaceDetector.locateFaces>> = [];
  for (const inputSize of options.fallback ? sizes : sizes.slice(0, 1)) {
    found = await faceapi.nets.tinyFaceDetector.locateFaces(
      image,
      new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: options.minScore }),
    );
    if (found.length > 0) break;
  }
  if (found.length === 0 && options.fallback) {
    found = await faceapi.nets.ssdMobilenetv1.locateFaces(
      image,
      new faceapi.SsdMobilenetv1Options({ minConfidence: options.fallbackMinScore, maxResults: 100 }),
    );
  }
  return found
    .map((d) => ({ x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height, score: d.score }))
    .filter((d) => d.width >= 4 && d.height >= 4);
}
