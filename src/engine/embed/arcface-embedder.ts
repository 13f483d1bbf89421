import { l2Normalize } from '../../core/embedding.ts';
import type { Point } from '../../core/face.ts';
import { meanPoint } from '../align/landmark-points.ts';
import { mirrorChip } from '../align/similarity-transform.ts';
import type { OnnxModel } from '../runtime/onnx-runtime.ts';

/** The ArcFace-template network's input: 112×112 RGB, NCHW, values (x − 127.5) / 128. */
export const ARC_FACE_CHIP_SIZE = 112;

/**
 * Where the eye centres, the nose tip and the mouth corners sit in a 112×112 ArcFace chip (the
 * five-point template the InsightFace family of recognisers, this one included, was trained on).
 */
export const ARC_FACE_TEMPLATE: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/** The template's five points read off 68 landmarks: eye centres, nose tip, mouth corners (image left first). */
export function arcFacePoints(landmarks: readonly Point[]): Point[] {
  return [
    meanPoint(landmarks, 36, 42),
    meanPoint(landmarks, 42, 48),
    landmarks[30] as Point,
    landmarks[48] as Point,
    landmarks[54] as Point,
  ];
}

function toInput(chip: Uint8Array): Float32Array {
  const plane = ARC_FACE_CHIP_SIZE * ARC_FACE_CHIP_SIZE;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) data[c * plane + i] = ((chip[i * 3 + c] as number) - 127.5) / 128;
  return data;
}

async function run(model: OnnxModel, chip: Uint8Array): Promise<Float32Array> {
  const { ort, session } = model;
  const input = new ort.Tensor('float32', toInput(chip), [1, 3, ARC_FACE_CHIP_SIZE, ARC_FACE_CHIP_SIZE]);
  const outputs = await session.run({ [session.inputNames[0] as string]: input });
  const output = outputs[session.outputNames[0] as string];
  if (!output) throw new Error('the ArcFace network returned no output');
  return new Float32Array(output.data as Float32Array);
}

/**
 * L2-normalised 512-d ArcFace descriptors of aligned 112×112 RGB chips: each chip and its mirror
 * image run alone through the network (so a face's embedding never depends on the rest of the
 * batch) and their sum is normalised.
 */
export async function embedArcFaceChips(
  model: OnnxModel,
  chips: readonly Uint8Array[],
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const chip of chips) {
    const a = await run(model, chip);
    const b = await run(model, mirrorChip(chip, ARC_FACE_CHIP_SIZE));
    for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] as number);
    out.push(l2Normalize(a));
  }
  return out;
}
