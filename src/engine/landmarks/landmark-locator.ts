import type { Point } from '../../core/face.ts';
import type { RawImage } from '../decode/raw-image.ts';
import { resampleSquare } from '../decode/resample.ts';
import type { Detection } from '../detect/face-detector.ts';
import { CONVERTED_IO } from '../onnx-convert/converted-models.ts';
import { type OnnxModel, runOnnx } from '../runtime/onnx-runtime.ts';
import type { FaceRuntime, ImageTensor } from '../runtime/tfjs-runtime.ts';

interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

function clipRect(rect: CropRect, width: number, height: number): CropRect | null {
  const x = Math.max(0, Math.floor(rect.x));
  const y = Math.max(0, Math.floor(rect.y));
  const right = Math.min(width, Math.ceil(rect.x + rect.width));
  const bottom = Math.min(height, Math.ceil(rect.y + rect.height));
  if (right - x < 4 || bottom - y < 4) return null;
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * Box for the refinement pass, framed around the first pass's landmarks the way SSD MobileNet frames
 * a face (measured on 104 lfw-dev faces: 1.02× the landmarks' width, 1.30× their height, raised by
 * 0.14 of their height to take in the forehead) — the framing face-api's landmark network expects.
 */
export function landmarkBox(points: readonly Point[]): CropRect {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  const w = (maxX - minX) * 1.024;
  const h = (maxY - minY) * 1.302;
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2 - (maxY - minY) * 0.137;
  return { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
}

const LANDMARK_INPUT = 112;

/**
 * 68-point landmarks (face-api's FaceLandmark68Net) for each rectangle, in pixels of the image.
 * Each crop is zero-padded to a centred square and resized to 112×112 exactly as face-api does,
 * but computed from the decoded bytes; the faces of one photo go through the network in small batches.
 */
export async function locateLandmarks(
  runtime: FaceRuntime,
  image: RawImage,
  rects: readonly CropRect[],
): Promise<Array<Point[] | null>> {
  const clipped = rects.map((r) => clipRect(r, image.width, image.height));
  const squares = clipped.map((r) => {
    if (r === null) return null;
    const side = Math.max(r.width, r.height);
    const diff = side - Math.min(r.width, r.height);
    const before = diff - Math.round(diff * 0.5);
    const x0 = r.width < r.height ? r.x - before : r.x;
    const y0 = r.height < r.width ? r.y - before : r.y;
    return { rect: r, x0, y0, side };
  });
  const usable = squares.filter((s): s is NonNullable<typeof s> => s !== null);
  if (usable.length === 0) return clipped.map(() => null);
  const found: FaceLandmarks[] = [];
  for (let start = 0; start < usable.length; start += LANDMARK_BATCH)
    found.push(...(await landmarkBatch(runtime, image, usable.slice(start, start + LANDMARK_BATCH))));
  let next = 0;
  return squares.map((s) => {
    if (s === null) return null;
    const landmarks = found[next++];
    if (!landmarks) return null;
    const k = s.side / LANDMARK_INPUT;
    return landmarks.positions.map((p) => ({ x: s.x0 + p.x * k, y: s.y0 + p.y * k }));
  });
}

type FaceLandmarks = { positions: Point[] };

/**
 * Faces per pass through the landmark network. The network's activations grow with the batch (about
 * 9 MB per face in the WASM heap, which never shrinks), and a face's landmarks are bit-identical in any
 * batch, so a crowd photo goes through in small batches (two run as fast per face as eight).
 */
const LANDMARK_BATCH = 2;

async function landmarkBatch(
  runtime: FaceRuntime,
  image: RawImage,
  squares: ReadonlyArray<{ rect: CropRect; x0: number; y0: number; side: number }>,
): Promise<FaceLandmarks[]> {
  const { tf, faceapi, onnx } = runtime;
  if (onnx) return onnxLandmarks(onnx.landmarks, image, squares);
  const inputs = squares.map((s) =>
    tf.tensor3d(
      resampleSquare(image, s.rect, s.x0, s.y0, s.side, LANDMARK_INPUT),
      [LANDMARK_INPUT, LANDMARK_INPUT, 3],
      'float32',
    ),
  );
  try {
    const result = await faceapi.nets.faceLandmark68Net.detectLandmarks(
      inputs.length === 1 ? (inputs[0] as ImageTensor) : inputs,
    );
    return Array.isArray(result) ? result : [result];
  } finally {
    for (const input of inputs) input.dispose();
  }
}

/**
 * The same on ONNX Runtime (ADR 0011), one face per run. The network gives x and y per point relative to
 * its 112-pixel input; face-api turns them into pixels as ((v·112 − 0) / 112) in float32, then ×112,
 * which is repeated here so both runtimes share the arithmetic after the network.
 */
async function onnxLandmarks(
  model: OnnxModel,
  image: RawImage,
  squares: ReadonlyArray<{ rect: CropRect; x0: number; y0: number; side: number }>,
): Promise<FaceLandmarks[]> {
  const out: FaceLandmarks[] = [];
  for (const s of squares) {
    const input = resampleSquare(image, s.rect, s.x0, s.y0, s.side, LANDMARK_INPUT);
    const v = await runOnnx(model, CONVERTED_IO.landmarks, Float32Array.from(input), [
      1,
      LANDMARK_INPUT,
      LANDMARK_INPUT,
      3,
    ]);
    const pixel = (i: number) =>
      Math.fround(Math.fround((v[i] as number) * LANDMARK_INPUT) / LANDMARK_INPUT) * LANDMARK_INPUT;
    out.push({ positions: Array.from({ length: 68 }, (_, i) => ({ x: pixel(2 * i), y: pixel(2 * i + 1) })) });
  }
  return out;
}

/**
 * How a YuNet box relates to the framing the landmark network works best from (the Tiny Face
 * Detector's, which the alignment was tuned on): measured over the first photo of 400 lfw-dev people,
 * the tiny detector's box is 1.43× as wide, starts 0.243 box-widths further left and 0.11 box-heights
 * lower, and is as tall (medians; the means agree to 0.002).
 */
const YUNET_TO_LANDMARK_FRAME = { dx: -0.243, dy: 0.11, width: 1.43, height: 1.01 } as const;

/** The first landmark pass's input box for a detection. */
export function detectionRect(d: Detection): CropRect {
  if (!d.keypoints) return { x: d.x, y: d.y, width: d.width, height: d.height };
  const f = YUNET_TO_LANDMARK_FRAME;
  return {
    x: d.x + f.dx * d.width,
    y: d.y + f.dy * d.height,
    width: d.width * f.width,
    height: d.height * f.height,
  };
}
