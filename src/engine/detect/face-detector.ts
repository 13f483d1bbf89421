import type { Point } from '../../core/face.ts';
import type { RawImage } from '../decode/raw-image.ts';
import { resampleSquare } from '../decode/resample.ts';
import { type FaceRuntime, loadSsdMobilenet } from '../runtime/tfjs-runtime.ts';
import { runYunet, type YunetFace } from './yunet-detector.ts';

/** A face found by a detector, in pixels of the decoded image. */
export interface Detection {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** YuNet's five keypoints (eyes, nose tip, mouth corners), absent for the tiny detector's faces. */
  keypoints?: Point[];
}

export interface DetectorOptions {
  /** YuNet: a face with at least this score is kept without a second look. */
  sureScore: number;
  /** YuNet: candidates from this score up get a second look (below it they are dropped). */
  minScore: number;
  /** YuNet's score on the second look (the face scaled to about 64 px) that confirms a candidate below `sureScore`. */
  secondLookScore: number;
  /**
   * The second-look score every face at least 40 px tall needs, whatever its first score: scaled
   * down to 64 px a real face stays clear, while a background pattern that looked like one at full
   * size rarely does.
   */
  largeSecondLookScore: number;
  /**
   * The score every candidate that gets a second look also needs at a third, smaller look (the face
   * scaled to about 40 px): a real face stays a face when it shrinks, while a texture that looked like
   * one at 64 px (stock-ticker digits) falls apart.
   */
  smallLookScore: number;
  /** Boxes shorter than this (photo pixels) are dropped: too small to hold a face worth reporting. */
  minFaceHeight: number;
  /** Minimum confidence of the tiny detector (the fallback cascade). */
  tinyMinScore: number;
  /** Minimum confidence of the SSD MobileNet last resort. */
  fallbackMinScore: number;
  /** false: YuNet on the photo only (no margin, no tiny-detector cascade, no SSD). */
  fallback: boolean;
  /**
   * SSD MobileNet v1 as the very last resort. Off by default: on the 3,922 lfw-dev and 400 ORL photos
   * it never found a face the cascade had missed, yet it costs about 0.7 s for every photo without a
   * face, and its weights and activations about 60 MB of each thread's WASM heap.
   */
  ssd: boolean;
}

/**
 * Calibrated on wider-dev's even-numbered photos (in images.tsv order) and checked on the odd ones
 * (ADR 0002, "Detection on group photos" and "A third, smaller look").
 */
export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  sureScore: 0.8,
  minScore: 0.6,
  secondLookScore: 0.3,
  largeSecondLookScore: 0.5,
  smallLookScore: 0.15,
  minFaceHeight: 16,
  tinyMinScore: 0.3,
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

/** The square [x0, x0+side)² of the image (zero outside it) resampled to out×out RGB bytes. */
function squareView(image: RawImage, x0: number, y0: number, side: number, out: number): RawImage {
  const whole = { x: 0, y: 0, width: image.width, height: image.height };
  const floats = resampleSquare(image, whole, Math.round(x0), Math.round(y0), Math.round(side), out);
  const data = new Uint8Array(floats.length);
  for (let i = 0; i < floats.length; i++) data[i] = Math.round(floats[i] as number);
  return { width: out, height: out, data };
}

/**
 * Side of the second look's square (the face about 64 px, where YuNet is at its most reliable) and of
 * the small look's (the face about 40 px); the box fits 2.5 times across either.
 */
const SECOND_LOOK_SIZE = 160;
const SMALL_LOOK_SIZE = 100;
const LOOK_CONTEXT = 2.5;

/**
 * Another look at a candidate: the square around it (2.5× the box) scaled to `size`; the best score
 * of a face found near the centre.
 */
async function lookAgain(
  runtime: FaceRuntime,
  image: RawImage,
  face: YunetFace,
  size: number,
): Promise<number> {
  const side = Math.max(face.width, face.height) * LOOK_CONTEXT;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const view = squareView(image, cx - side / 2, cy - side / 2, side, size);
  const again = await runYunet(runtime.yunet, view, 0.05);
  const centre = size / 2;
  const near = again.filter(
    (f) =>
      Math.abs(f.x + f.width / 2 - centre) < size / 8 && Math.abs(f.y + f.height / 2 - centre) < size / 8,
  );
  return near.reduce((best, f) => Math.max(best, f.score), 0);
}

/** A candidate confirmed by the second look (at least `needed`) and by the small look. */
async function confirmed(
  runtime: FaceRuntime,
  image: RawImage,
  face: YunetFace,
  needed: number,
  options: DetectorOptions,
): Promise<boolean> {
  if ((await lookAgain(runtime, image, face, SECOND_LOOK_SIZE)) < needed) return false;
  return (await lookAgain(runtime, image, face, SMALL_LOOK_SIZE)) >= options.smallLookScore;
}

/** YuNet over a view of the photo; boxes mapped back to photo pixels by `k` and the view's origin. */
async function yunetFaces(
  runtime: FaceRuntime,
  image: RawImage,
  options: DetectorOptions,
  margin: number,
): Promise<Detection[]> {
  let view = image;
  let k = 1;
  let x0 = 0;
  let y0 = 0;
  if (margin > 0) {
    // Tightly cropped portraits (the face touches the borders, as in the ORL set) are found once the
    // photo sits in a black margin; the padded square is looked at no larger than 640 px.
    const side = Math.max(image.width, image.height) * (1 + 2 * margin);
    x0 = -Math.round((side - image.width) / 2);
    y0 = -Math.round((side - image.height) / 2);
    const out = Math.min(MARGIN_VIEW_MAX, Math.round(side));
    view = squareView(image, x0, y0, side, out);
    k = Math.round(side) / out;
  }
  const candidates = await runYunet(runtime.yunet, view, options.minScore);
  const found: Detection[] = [];
  for (const face of candidates) {
    if (face.height * k < options.minFaceHeight) continue;
    if (face.height * k >= LARGE_FACE) {
      if (!(await confirmed(runtime, view, face, options.largeSecondLookScore, options))) continue;
    } else if (face.score < options.sureScore) {
      if (!(await confirmed(runtime, view, face, options.secondLookScore, options))) continue;
    }
    const mapped = clipDetection({ box: face, score: face.score }, k, x0, y0, image.width, image.height);
    mapped.keypoints = face.keypoints.map((p) => ({ x: x0 + p.x * k, y: y0 + p.y * k }));
    found.push(mapped);
  }
  return found;
}

const MARGIN_VIEW_MAX = 640;
/** Faces at least this tall (photo pixels) are looked at twice, whatever their first score. */
const LARGE_FACE = 40;

/**
 * Finds every face of a photo: YuNet at the photo's own resolution (faces from about 20 px tall),
 * each candidate below `sureScore` confirmed by a second look; when nothing is found, YuNet again
 * with a margin around the photo, then face-api's Tiny Face Detector cascade (larger input sizes, a
 * margin, and SSD MobileNet when `ssd` is on).
 * Never invents a box: a photo without faces gives an empty list.
 */
export async function detectFaces(
  runtime: FaceRuntime,
  image: RawImage,
  options: DetectorOptions = DEFAULT_DETECTOR_OPTIONS,
): Promise<Detection[]> {
  const first = await yunetFaces(runtime, image, options, 0);
  if (first.length > 0 || !options.fallback) return first;
  const framed = await yunetFaces(runtime, image, options, TIGHT_CROP_MARGIN);
  if (framed.length > 0) return framed;
  return tinyCascade(runtime, image, options);
}

/** face-api's Tiny Face Detector at growing input sizes, then with a margin, then (optionally) SSD. */
export async function tinyCascade(
  runtime: FaceRuntime,
  image: RawImage,
  options: DetectorOptions,
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
      new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: options.tinyMinScore }),
    );
  const ssd = async (input: ReturnType<FaceRuntime['tf']['tensor3d']>) =>
    (await loadSsdMobilenet(runtime)).locateFaces(
      input,
      new faceapi.SsdMobilenetv1Options({ minConfidence: options.fallbackMinScore, maxResults: 100 }),
    );
  const attempts: Array<() => Promise<Detection[]>> = sizes.map((size) => () => run(size, tiny(size)));
  attempts.push(() => run(sizes[0] as number, tiny(sizes[0] as number), TIGHT_CROP_MARGIN));
  if (options.ssd) {
    attempts.push(() => run(SSD_INPUT_SIZE, ssd));
    attempts.push(() => run(SSD_INPUT_SIZE, ssd, TIGHT_CROP_MARGIN));
  }
  for (const attempt of attempts) {
    const found = (await attempt()).filter((d) => d.height >= options.minFaceHeight && d.width >= 4);
    if (found.length > 0) return found;
  }
  return [];
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
