import {
  type AnnotatedFace,
  countPhoto,
  type DetectionReport,
  type PhotoDetectionCounts,
  summarise,
} from '../core/detection-metrics.ts';
import { AppError } from '../core/errors.ts';
import { mapOrdered } from '../core/ordered-map.ts';
import type { FaceEngine } from '../ports/face-engine.ts';

/**
 * Annotated face boxes, WIDER style: `file<TAB>left<TAB>top<TAB>width<TAB>height[<TAB>flags]` per
 * line, pixels; `invalid=1` among the `;`-separated flags marks a box the annotators rejected.
 * A photo may be listed with no face at all as `file` alone on its line.
 */
export function parseBoxes(text: string): Map<string, AnnotatedFace[]> {
  const photos = new Map<string, AnnotatedFace[]>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const [file, ...rest] = line.split('\t');
    if (!file) throw new AppError('invalid_input', `boxes line ${index + 1}: no file name`);
    const faces = photos.get(file) ?? [];
    photos.set(file, faces);
    if (rest.length === 0) return;
    const numbers = rest.slice(0, 4).map(Number);
    if (
      numbers.length < 4 ||
      numbers.some((n) => !Number.isFinite(n)) ||
      (numbers[2] as number) <= 0 ||
      (numbers[3] as number) <= 0
    )
      throw new AppError(
        'invalid_input',
        `boxes line ${index + 1}: expected "file<TAB>left<TAB>top<TAB>width<TAB>height[<TAB>flags]"`,
      );
    const [left, top, width, height] = numbers as [number, number, number, number];
    faces.push({ left, top, width, height, invalid: /(^|;)\s*invalid=1\b/.test(rest[4] ?? '') });
  });
  if (photos.size === 0) throw new AppError('invalid_input', 'the boxes file lists no photo');
  return photos;
}

export interface DetectionEvaluation extends DetectionReport {
  /** Photos the engine could not read (counted with no detection). */
  unreadable: number;
  seconds: number;
}

/** Runs the engine on every listed photo and scores its faces against the annotations. */
export async function evaluateDetection(options: {
  engine: FaceEngine;
  boxes: Map<string, AnnotatedFace[]>;
  readImage: (file: string) => Promise<Uint8Array>;
  onProgress?: (done: number, total: number) => void;
}): Promise<DetectionEvaluation> {
  const started = performance.now();
  const files = [...options.boxes.keys()];
  const counts: PhotoDetectionCounts[] = [];
  let unreadable = 0;
  await mapOrdered(
    files,
    Math.max(2, options.engine.stats().threads * 2),
    async (file) => {
      try {
        return (await options.engine.analyze(await options.readImage(file))).faces;
      } catch (error) {
        if (error instanceof AppError) return null;
        throw error;
      }
    },
    (faces, index) => {
      if (faces === null) unreadable++;
      const detections = (faces ?? []).map(({ box, score }) => ({
        left: box.left,
        top: box.top,
        width: box.right - box.left,
        height: box.bottom - box.top,
        score,
      }));
      counts.push(countPhoto(options.boxes.get(files[index] as string) ?? [], detections));
      options.onProgress?.(index + 1, files.length);
    },
  );
  return { ...summarise(counts), unreadable, seconds: (performance.now() - started) / 1000 };
}
