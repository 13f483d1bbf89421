import type { Point } from '../../core/face.ts';
import type { RawImage } from '../decode/raw-image.ts';
import type { OnnxModel } from '../runtime/onnx-runtime.ts';

/** A face found by YuNet: box and score in pixels of the image it looked at, and five keypoints. */
export interface YunetFace {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** Right eye, left eye (as seen in the photo: the subject's), nose tip, mouth corners. */
  keypoints: Point[];
}

/** YuNet predicts one face per cell of three feature maps, 8, 16 and 32 photo pixels apart. */
const STRIDES = [8, 16, 32] as const;
/** Input sides must be multiples of the largest stride. */
const ALIGN = 32;

/**
 * The photo as YuNet's input: BGR planes of 0–255 floats (no normalisation), padded with black at
 * the right and bottom to multiples of 32.
 */
export function yunetInput(image: RawImage): { data: Float32Array; width: number; height: number } {
  const width = Math.ceil(image.width / ALIGN) * ALIGN;
  const height = Math.ceil(image.height / ALIGN) * ALIGN;
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    let s = y * image.width * 3;
    let d = y * width;
    for (let x = 0; x < image.width; x++, s += 3, d++) {
      data[d] = src[s + 2] as number;
      data[plane + d] = src[s + 1] as number;
      data[2 * plane + d] = src[s] as number;
    }
  }
  return { data, width, height };
}

function intersectionOverUnion(a: YunetFace, b: YunetFace): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Greedy non-maximum suppression: best score first, dropping boxes that overlap a kept one. */
export function suppressOverlaps(faces: YunetFace[], maxOverlap: number): YunetFace[] {
  const kept: YunetFace[] = [];
  for (const face of [...faces].sort((a, b) => b.score - a.score)) {
    if (!kept.some((k) => intersectionOverUnion(k, face) > maxOverlap)) kept.push(face);
  }
  return kept;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Runs YuNet (libfacedetection's anchor-free detector) over the whole image at its own resolution
 * and decodes every cell whose score reaches `minScore`: score = √(class · objectness); the box
 * centre is the cell plus a predicted offset, its size exp(prediction) cells; keypoints are offsets
 * from the cell. Overlapping boxes are suppressed (IoU > 0.3).
 */
export async function runYunet(model: OnnxModel, image: RawImage, minScore: number): Promise<YunetFace[]> {
  const input = yunetInput(image);
  const tensor = new model.ort.Tensor('float32', input.data, [1, 3, input.height, input.width]);
  const outputs = await model.session.run({ input: tensor });
  const faces: YunetFace[] = [];
  try {
    for (const stride of STRIDES) {
      const cols = input.width / stride;
      const cls = outputs[`cls_${stride}`]?.data as Float32Array;
      const obj = outputs[`obj_${stride}`]?.data as Float32Array;
      const bbox = outputs[`bbox_${stride}`]?.data as Float32Array;
      const kps = outputs[`kps_${stride}`]?.data as Float32Array;
      for (let i = 0; i < cls.length; i++) {
        const score = Math.sqrt(clamp01(cls[i] as number) * clamp01(obj[i] as number));
        if (score < minScore) continue;
        const col = i % cols;
        const row = (i - col) / cols;
        const cx = (col + (bbox[i * 4] as number)) * stride;
        const cy = (row + (bbox[i * 4 + 1] as number)) * stride;
        const width = Math.exp(bbox[i * 4 + 2] as number) * stride;
        const height = Math.exp(bbox[i * 4 + 3] as number) * stride;
        const keypoints: Point[] = [];
        for (let k = 0; k < 5; k++) {
          keypoints.push({
            x: (col + (kps[i * 10 + 2 * k] as number)) * stride,
            y: (row + (kps[i * 10 + 2 * k + 1] as number)) * stride,
          });
        }
        faces.push({ x: cx - width / 2, y: cy - height / 2, width, height, score, keypoints });
      }
    }
  } finally {
    tensor.dispose();
    for (const value of Object.values(outputs)) value.dispose();
  }
  return suppressOverlaps(faces, 0.3);
}
