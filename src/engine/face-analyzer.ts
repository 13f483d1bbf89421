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
import { ALIGNMENT_POINTS, scaledTemplate } from './align/face-template.ts';
import { meanPoint } from './align/landmark-points.ts';
import { estimateSimilarity, mirrorChip, type Similarity, warpToChip } from './align/similarity-transform.ts';
import { type DecodeOptions, decodeImage } from './decode/image-decoder.ts';
import type { RawImage } from './decode/raw-image.ts';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions, detectFaces } from './detect/face-detector.ts';
import {
  ARC_FACE_CHIP_SIZE,
  ARC_FACE_TEMPLATE,
  arcFacePoints,
  embedArcFaceChips,
} from './embed/arcface-embedder.ts';
import { CHIP_SIZE, embedChips } from './embed/face-embedder.ts';
import { fuseEmbeddings } from './embed/fused-embedding.ts';
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
  /** Extra zooms (multiples of templateScale) whose embeddings are averaged in, like dlib's jitter. */
  scaleJitter: number[];
  templateShiftY: number;
  /**
   * Second descriptor: the ArcFace-template network on a 112×112 chip aligned to its five-point
   * template, fused with the face-api descriptor into one embedding (see fused-embedding.ts).
   */
  arcFace: boolean;
  decode: DecodeOptions;
}

export const DEFAULT_ANALYZER_OPTIONS: AnalyzerOptions = {
  detector: DEFAULT_DETECTOR_OPTIONS,
  refineLandmarks: true,
  flip: true,
  templateScale: 0.9,
  scaleJitter: [1],
  templateShiftY: 0,
  arcFace: true,
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

function quality(box: Box, landmarks: readonly Point[]): FaceQuality {
  const leftEye = meanPoint(landmarks, 36, 42);
  const rightEye = meanPoint(landmarks, 42, 48);
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
 * (refined) → similarity alignment to the canonical template → 128-d face-api embedding (optionally with
 * its mirror image) and, on a 112×112 five-point ArcFace chip, the 512-d ArcFace descriptor → one fused,
 * L2-normalised embedding (fused-embedding.ts). Used inside the worker-thread pool, never on a server's event loop.
 */
export class FaceAnalyzer {
  /** One template per zoom in `scaleJitter` (51 alignment points each). */
  private readonly alignmentTemplates: Point[][];

  constructor(
    private readonly runtime: FaceRuntime,
    readonly model: ModelInfo,
    private readonly options: AnalyzerOptions = DEFAULT_ANALYZER_OPTIONS,
  ) {
    this.alignmentTemplates = options.scaleJitter.map((jitter) => {
      const template = scaledTemplate(options.templateScale * jitter, options.templateShiftY, CHIP_SIZE);
      return ALIGNMENT_POINTS.map((i) => template[i] as Point);
    });
  }

  /** The 112×112 ArcFace chip of one face, or null when the second descriptor is off. */
  private arcFaceChip(image: RawImage, points: Point[]): Uint8Array | null {
    if (!this.options.arcFace) return null;
    return warpToChip(
      image,
      estimateSimilarity(arcFacePoints(points), ARC_FACE_TEMPLATE),
      ARC_FACE_CHIP_SIZE,
    );
  }

  /** The aligned chips of one face: one per template zoom (the first is the face's aligned crop). */
  private chips(image: RawImage, points: Point[]): Uint8Array[] {
    const from = ALIGNMENT_POINTS.map((i) => points[i] as Point);
    return this.alignmentTemplates.map((template) => {
      const transform: Similarity = estimateSimilarity(from, template);
      return warpToChip(image, transform, CHIP_SIZE);
    });
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
    const kept: Array<{
      index: number;
      points: Point[];
      views: Uint8Array[];
      arcFaceChip: Uint8Array | null;
    }> = [];
    landmarks.forEach((points, index) => {
      if (!points) return;
      const chips = this.chips(image, points);
      const views = this.options.flip ? chips.flatMap((c) => [c, mirrorChip(c, CHIP_SIZE)]) : chips;
      kept.push({ index, points, views, arcFaceChip: this.arcFaceChip(image, points) });
    });
    const raw = await embedChips(
      this.runtime,
      kept.flatMap((k) => k.views),
    );
    const arcFace = await embedArcFaceChips(
      this.runtime.arcFace,
      kept.flatMap((k) => (k.arcFaceChip ? [k.arcFaceChip] : [])),
    );
    const t4 = performance.now();
    let next = 0;
    const faces: DetectedFace[] = kept.map((k, i) => {
      const faceApi = averaged(raw.slice(next, next + k.views.length));
      next += k.views.length;
      const second = arcFace[i];
      const embedding = second ? fuseEmbeddings(l2Normalize(faceApi), second) : l2Normalize(faceApi);
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
        embedding,
        quality: quality(box, points),
      };
      if (request.crops)
        face.alignedCrop = {
          width: CHIP_SIZE,
          height: CHIP_SIZE,
          data: k.views[0] as Uint8Array,
        } satisfies AlignedCrop;
      return face;
    });
    return {
      analysis: { width: originalWidth, height: originalHeight, faces, model: this.model },
      timings: { decode: t1 - t0, detect: t2 - t1, landmarks: t3 - t2, embed: t4 - t3 },
    };
  }
}

/** Mean of the views' embeddings (summed in a fixed order, so the result is deterministic). */
function averaged(views: readonly Float32Array[]): Float32Array {
  const first = views[0] as Float32Array;
  if (views.length === 1) return first;
  const out = new Float32Array(first.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (const v of views) sum += v[i] as number;
    out[i] = sum / views.length;
  }
  return out;
}
