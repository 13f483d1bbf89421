import type { Point } from '../../core/face.ts';
import type { Detection } from '../detect/face-detector.ts';
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

/** Square box around the landmarks, padded, for the refinement pass. */
export function landmarkBox(points: readonly Point[], padding = 0.25): CropRect {
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
  const side = Math.max(maxX - minX, maxY - minY) * (1 + 2 * padding);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/**
 * 68-point landmarks (face-api's FaceLandmark68Net) for each rectangle, in pixels of the image.
 * All faces of one photo go through the network as one batch.
 */
export async function locateLandmarks(
  runtime: FaceRuntime,
  image: ImageTensor,
  rects: readonly CropRect[],
): Promise<Array<Point[] | null>> {
  const { tf, faceapi } = runtime;
  const [height, width] = image.shape;
  const clipped = rects.map((r) => clipRect(r, width, height));
  const usable = clipped.filter((r): r is CropRect => r !== null);
  if (usable.length === 0) return clipped.map(() => null);
  const crops = usable.map((r) => tf.slice(image, [r.y, r.x, 0], [r.height, r.width, 3]) as ImageTensor);
  try {
    const result = await faceapi.nets.faceLandmark68Net.detectLandmarks(
      crops.length === 1 ? (crops[0] as ImageTensor) : crops,
    );
    const list = Array.isArray(result) ? result : [result];
    let next = 0;
    return clipped.map((r) => {
      if (r === null) return null;
      const landmarks = list[next++];
      if (!landmarks) return null;
      return landmarks.positions.map((p) => ({ x: p.x + r.x, y: p.y + r.y }));
    });
  } finally {
    for (const crop of crops) crop.dispose();
  }
}

export function detectionRect(d: Detection): CropRect {
  return { x: d.x, y: d.y, width: d.width, height: d.height };
}
