import type { RawImage } from '../decode/raw-image.ts';
import { resampleSquare } from '../decode/resample.ts';
import { type FaceRuntime, loadSsdMobilenet } from '../runtime/tfjs-runtime.ts';

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
  /** Minimum confidence of the SSD MobileNet last resort. */
  fallbackMinScore: number;
  /** false disables the fallbacks (larger tiny sizes, a margin, and SSD when `ssd` is on). */
  fallback: boolean;
  /**
   * SSD MobileNet v1 as the last resort after every tiny-detector attempt. Off by default: on the
   * 3,922 lfw-dev and 400 ORL photos it never found a face the tiny cascade had missed, yet it costs
   * about 0.7 s for every photo without a face, and its weights and activations about 60 MB of each
   * thread's WASM heap. Its weights load on first use.
   */
  ssd: boolean;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  minScore: 0.3,
  fallbackMinScore: 0.5,
  fallback: true,
  ssd: false,
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
 * it finds nothing, it looks again at larger input sizes, then with a margin around the photo, and
 * finally (when `ssd` is on) with SSD MobileNet v1.
 * Never invents a box: a photo without faces gives an empty list.
 */
export async function detectFaces(
  runtime: FaceRuntime,
  image: RawImage,
  options: DetectorOptions = DEFAULT_DETECTOR_OPTIONS,
): Promise<Detection[]> {
  const { faceapi } = runtime;
  const sizes = detectorInputSizes(image.width, image.height);
  const run = async (
    inputSize: number,
    locate: (input: ReturnType<FaceRuntime['tf']['tensor3d']>) => Promise<FaceBoxes>,
    margin = 0,
  ) => {
    // The networks see the photo zero-padded to a square (at the right/bottom, or around it when a
    // margin is asked for), resized to inputSize.
    const side = Math.round(Math.max(image.width, image.height) * (1 + 2 * margin));
    const x0 = margin > 0 ? -Math.round((side - image.width) / 2) : 0;
    const y0 = margin > 0 ? -Math.round((side - image.height) / 2) : 0;
    const whole = { x: 0, y: 0, width: image.width, height: image.height };
    const pixels = resampleSquare(image, whole, x0, y0, side, inputSize);
    const input = runtime.tf.tensor3d(pixels, [inputSize, inputSize, 3], 'float32');
    try {
      const k = side / inputSize;
      return (await locate(input)).map((d) => clipDetection(d, k, x0, y0, image.width, image.height));
    } finally {
      input.dispose();
    }
  };
  const tiny = (inputSize: number) => (input: ReturnType<FaceRuntime['tf']['tensor3d']>) =>
    faceapi.nets.tinyFaceDetector.locateFaces(
      input,
      new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: options.minScore }),
    );
  const ssd = async (input: ReturnType<FaceRuntime['tf']['tensor3d']>) =>
    (await loadSsdMobilenet(runtime)).locateFaces(
      input,
      new faceapi.SsdMobilenetv1Options({ minConfidence: options.fallbackMinScore, maxResults: 100 }),
    );
  const attempts: Array<() => Promise<Detection[]>> = sizes.map((size) => () => run(size, tiny(size)));
  if (options.fallback) {
    // Tightly cropped portraits (the face touches the borders, as in the ORL set) are found once
    // the photo gets a margin around it; SSD MobileNet, when enabled, is the last resort.
    attempts.push(() => run(sizes[0] as number, tiny(sizes[0] as number), TIGHT_CROP_MARGIN));
    if (options.ssd) {
      attempts.push(() => run(SSD_INPUT_SIZE, ssd));
      attempts.push(() => run(SSD_INPUT_SIZE, ssd, TIGHT_CROP_MARGIN));
    }
  }
  let found: Detection[] = [];
  for (const attempt of options.fallback ? attempts : attempts.slice(0, 1)) {
    found = await attempt();
    if (found.length > 0) break;
  }
  return found.filter((d) => d.width >= 4 && d.height >= 4);
}

type FaceBoxes = Array<{ box: { x: number; y: number; width: number; height: number }; score: number }>;

/** SSD MobileNet v1 always looks at a 512×512 input. */
const SSD_INPUT_SIZE = 512;
/** Margin added on every side (as a fraction of the longer side) when looking for tightly cropped faces. */
const TIGHT_CROP_MARGIN = 0.25;

/** Maps a box from network-input pixels back to the photo, clipped to it. */
function clipDetection(
  d: { box: { x: number; y: number; width: number; height: number }; score: number },
  k: number,
  x0: number,
  y0: number,
  width: number,
  height: number,
): Detection {
  const left = Math.max(0, x0 + d.box.x * k);
  const top = Math.max(0, y0 + d.box.y * k);
  const right = Math.min(width, x0 + (d.box.x + d.box.width) * k);
  const bottom = Math.min(height, y0 + (d.box.y + d.box.height) * k);
  return { x: left, y: top, width: right - left, height: bottom - top, score: d.score };
}
