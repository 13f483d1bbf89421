/**
 * Face domain types. One box convention everywhere in faceflow: `top,right,bottom,left`
 * in pixels of the photo after EXIF rotation (the face_recognition convention).
 */
export interface Box {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface FaceQuality {
  /** Width of the face box in pixels of the photo. */
  size: number;
  /** Distance between the eye centres in pixels of the photo. */
  eyeDistance: number;
  /** Head roll in degrees (0 = eyes level). */
  roll: number;
  /** Coarse verdict: `good` faces give reliable embeddings, `small` ones are below the recommended size. */
  verdict: 'good' | 'small';
}

export interface AlignedCrop {
  width: number;
  height: number;
  /** RGB, 8 bits per channel, row-major. */
  data: Uint8Array;
}

export interface DetectedFace {
  box: Box;
  /** Detector confidence in [0, 1]. */
  score: number;
  /** 68 points (iBUG 300-W order) in pixels of the photo. */
  landmarks: Point[];
  /** L2-normalised embedding of `ModelInfo.dimensions` floats. */
  embedding: Float32Array;
  quality: FaceQuality;
  /** Present when the caller asked for crops. */
  alignedCrop?: AlignedCrop;
}

export interface ModelInfo {
  /** Stable name of the embedding model; embeddings of different names or versions are never compared. */
  name: string;
  version: string;
  dimensions: number;
  /** Default open-set threshold (Euclidean distance), calibrated on lfw-dev for this model version. */
  threshold: number;
}

export interface FaceAnalysis {
  width: number;
  height: number;
  faces: DetectedFace[];
  model: ModelInfo;
}

export function boxWidth(box: Box): number {
  return box.right - box.left;
}

export function boxHeight(box: Box): number {
  return box.bottom - box.top;
}

export function boxArea(box: Box): number {
  return Math.max(0, boxWidth(box)) * Math.max(0, boxHeight(box));
}

export function boxCentre(box: Box): Point {
  return { x: (box.left + box.right) / 2, y: (box.top + box.bottom) / 2 };
}
