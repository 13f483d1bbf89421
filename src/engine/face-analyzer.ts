import { l2Normalize } from '../core/embedding.ts';
import type {
  AlignedCrop,
  Box,
  DetectedFace,
  FaceAnalysis,
  FaceQuality,
  ModelInfo,
  Point,
} from '../core/face.ts';
import { boxChip, levelledBoxTransform } from './align/face-framing.ts';
import { ALIGNMENT_POINTS, scaledTemplate } from './align/face-template.ts';
import { estimateSimilarity, mirrorChip, type Similarity, warpToChip } from './align/similarity-transform.ts';
import { type DecodeOptions, decodeImage } from './decode/image-decoder.ts';
import type { RawImage } from './decode/raw-image.ts';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions, detectFaces } from './detect/face-detector.ts';
import { CHIP_SIZE, embedChips } from './embed/face-embedder.ts';
import { detectionRect, landmarkBox, locateLandmarks } from './landmarks/landmark-locator.ts';
import type { FaceRuntime } from './runtime/tfjs-runtime.ts';

export interface AnalyzerOptions {
  detector: DetectorOptions;
  /** Second landmark pass on a box framed by the first pass's landmarks (the detector's boxes are loose). */
  refineLandmarks: boolean;
  /** Embed the chip and its mirror image and average them (test-time augmentation). */
  flip: boolean;
  /** Template zoom (>1 = tighter crop) and vertical shift in chip pixels. */
  templateScale: number;
  /**
   * How a face is framed for the descriptor: `template` fits a similarity transform to a landmark
   * template, `box` is face-api's padded landmark box (no rotation), `box-levelled` is that box turned
   * so that the eyes are level.
   */
  alignment: 'template' | 'box' | 'box-levelled';
  templateShiftY: number;
  decode: DecodeOptions;
}

export const DEFAULT_ANALYZER_OPTIONS: AnalyzerOptions = {
  detector: DEFAULT_DETECTOR_OPTIONS,
  refineLandmarks: true,
  flip: true,
  templateScale: 0.9,
  alignment: 'template',
  templateShiftY: 0,
  decode: { maxSide: 2048 },
};

/** Stage timings of one photo in milliseconds. */
export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  embed: number;
}

export interface AnalyzeRequest {
  bytes: Uint8Array;
  crops?: boolean;
}

export interface AnalyzeResult {
  analysis: FaceAnalysis;
  timings: StageTimings;
}

/** Smallest face (box width in photo pixels) whose embedding faceflow considers reliable. */
export const MIN_GOOD_FACE_SIZE = 40;

function centre(points: readonly Point[], from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i < to; i++) {
    x += (points[i] as Point).x;
    y += (points[i] as Point).y;
  }
  return { x: x / (to - from), y: y / (to - from) };
}

function quality(box: Box, landmarks: readonly Point[]): FaceQuality {
  const leftEye = centre(landmarks, 36, 42);
  const rightEye = centre(landmarks, 42, 48);
  const eyeDistance = Math.hypot(rightEye.x - leftEye.x, rightEye.y - leftEye.y);
  const roll = (Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x) * 180) / Math.PI;
  const size = box.right - box.left;
  return {
    size,
    eyeDistance: Math.round(eyeDistance * 10) / 10,
    roll: Math.round(roll * 10) / 10,
    verdict: size >= MIN_GOOD_FACE_SIZE ? 'good' : 'small',
  };
}

function toPhotoBox(
  d: { x: number; y: number; width: number; height: number },
  scale: number,
  w: number,
  h: number,
): Box {
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, Math.round(v)));
  return {
    top: clamp(d.y * scale, h),
    right: clamp((d.x + d.width) * scale, w),
    bottom: clamp((d.y + d.height) * scale, h),
    left: clamp(d.x * scale, w),
  };
}

/**
 * One photo through the whole engine on the calling thread: decode → detect → 68 landmarks
 * (refined) → similarity alignment to the canonical template → 128-d embedding (optionally with its
 * mirror image) → L2 normalisation. Used inside the worker-thread pool, never on a server's event loop.
 */
export class FaceAnalyzer {
  private readonly template: Point[];
  private readonly alignmentTemplate: Point[];

  constructor(
    private readonly runtime: FaceRuntime,
    readonly model: ModelInfo,
    private readonly options: AnalyzerOptions = DEFAULT_ANALYZER_OPTIONS,
  ) {
    this.template = scaledTemplate(options.templateScale, options.templateShiftY, CHIP_SIZE);
    this.alignmentTemplate = ALIGNMENT_POINTS.map((i) => this.template[i] as Point);
  }

  private chip(image: RawImage, points: Point[]): Uint8Array {
    switch (this.options.alignment) {
      case 'box':
        return boxChip(image, points, CHIP_SIZE);
      case 'box-levelled':
        return warpToChip(image, levelledBoxTransform(points, CHIP_SIZE), CHIP_SIZE);
      case 'template': {
        const transform: Similarity = estimateSimilarity(
          ALIGNMENT_POINTS.map((i) => points[i] as Point),
          this.alignmentTemplate,
        );
        return warpToChip(image, transform, CHIP_SIZE);
      }
    }
  }

  async analyze(request: AnalyzeRequest): Promise<AnalyzeResult> {
    const t0 = performance.now();
    const decoded = await decodeImage(request.bytes, this.options.decode);
    const { image, scale, originalWidth, originalHeight } = decoded;
    const t1 = performance.now();
    const detections = await detectFaces(this.runtime, image, this.options.detector);
    const t2 = performance.now();
    let landmarks = await locateLandmarks(this.runtime, image, detections.map(detectionRect));
    if (this.options.refineLandmarks) {
      const refined = await locateLandmarks(
        this.runtime,
        image,
        landmarks.map((l, i) =>
          l ? landmarkBox(l) : detectionRect(detections[i] as (typeof detections)[0]),
        ),
      );
      landmarks = landmarks.map((l, i) => refined[i] ?? l);
    }
    const t3 = performance.now();
    const kept: Array<{ index: number; points: Point[]; chip: Uint8Array }> = [];
    landmarks.forEach((points, index) => {
      if (!points) return;
      kept.push({ index, points, chip: this.chip(image, points) });
    });
    const chips = this.options.flip
      ? kept.flatMap((k) => [k.chip, mirrorChip(k.chip, CHIP_SIZE)])
      : kept.map((k) => k.chip);
    const raw = await embedChips(this.runtime, chips);
    const t4 = performance.now();
    const faces: DetectedFace[] = kept.map((k, i) => {
      const embedding = this.options.flip
        ? averaged(raw[2 * i] as Float32Array, raw[2 * i + 1] as Float32Array)
        : (raw[i] as Float32Array);
      const detection = detections[k.index] as (typeof detections)[0];
      const box = toPhotoBox(detection, scale, originalWidth, originalHeight);
      const points = k.points.map((p) => ({
        x: Math.round(p.x * scale * 10) / 10,
        y: Math.round(p.y * scale * 10) / 10,
      }));
      const face: DetectedFace = {
        box,
        score: Math.round(detection.score * 1e4) / 1e4,
        landmarks: points,
        embedding: l2Normalize(embedding),
        quality: quality(box, points),
      };
      if (request.crops)
        face.alignedCrop = { width: CHIP_SIZE, height: CHIP_SIZE, data: k.chip } satisfies AlignedCrop;
      return face;
    });
    return {
      analysis: { width: originalWidth, height: originalHeight, faces, model: this.model },
      timings: { decode: t1 - t0, detect: t2 - t1, landmarks: t3 - t2, embed: t4 - t3 },
    };
  }
}

function averaged(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = ((a[i] as number) + (b[i] as number)) / 2;
  return out;
}
