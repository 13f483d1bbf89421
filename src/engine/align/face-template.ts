import type { Point } from '../../core/face.ts';

/**
 * Where the 68 landmarks sit in a 150×150 chip, on average, when faces are framed the way
 * face-api frames them for its descriptor network (landmark bounding box + 20 %, padded square).
 * Measured on 399 lfw-dev faces (scratch derivation: detect → 68 landmarks → face-api's framing →
 * mean position), then made left/right symmetric so that alignment does not encode the mean pose.
 */
const MEASURED: ReadonlyArray<readonly [number, number]> = [
  [13.05, 39.22],
  [14.47, 55.66],
  [17.54, 71.26],
  [20.97, 84.95],
  [26.54, 100.46],
  [35.46, 112.22],
  [45.79, 120.59],
  [58.75, 129.09],
  [77.92, 133.92],
  [96.73, 128.51],
  [108.52, 120.17],
  [118.2, 111.94],
  [126.21, 99.03],
  [131.86, 83.47],
  [134.38, 69.08],
  [136.26, 54.01],
  [136.76, 37.64],
  [27.87, 24.6],
  [34.92, 19.7],
  [44.38, 17.66],
  [53.05, 17.96],
  [61, 20.62],
  [90.74, 20.41],
  [98.24, 17.82],
  [106.44, 16.61],
  [116.26, 18.2],
  [123.12, 22.94],
  [76.08, 37.43],
  [76.42, 48.1],
  [76.78, 58.05],
  [76.73, 67.3],
  [66.75, 73.5],
  [71.34, 75.04],
  [76.94, 76.05],
  [82.55, 74.3],
  [87.08, 73.26],
  [40.35, 36.4],
  [45.79, 34.26],
  [53.41, 33.9],
  [59.95, 37.38],
  [54.36, 40.05],
  [46.33, 39.44],
  [91.2, 36.98],
  [98.04, 33.02],
  [106.01, 33.12],
  [111.02, 36.18],
  [105.6, 39.02],
  [97.73, 38.53],
  [54.76, 93.54],
  [62.53, 89.23],
  [72.1, 86.48],
  [77.15, 87.3],
  [82.09, 85.92],
  [91.92, 89.28],
  [99.88, 93.31],
  [91.63, 100.02],
  [84.88, 103.67],
  [77.21, 104.92],
  [70.39, 104.18],
  [63.09, 101.05],
  [56.19, 93.74],
  [70.15, 91.65],
  [77.27, 91.74],
  [83.85, 91.94],
  [97.81, 92.99],
  [84.11, 96.68],
  [77.41, 97.29],
  [70.78, 96.95],
];

/** Index of each landmark's mirror image (iBUG 300-W 68-point order). */
export const MIRROR_68: readonly number[] = [
  16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 27, 28,
  29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52, 51, 50, 49, 48, 59,
  58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65,
];

export const TEMPLATE_CHIP_SIZE = 150;

function symmetrise(points: ReadonlyArray<readonly [number, number]>, size: number): Point[] {
  return points.map(([x, y], i) => {
    const [mx, my] = points[MIRROR_68[i] as number] as readonly [number, number];
    return { x: (x + size - mx) / 2, y: (y + my) / 2 };
  });
}

/** The canonical 68-point template in a 150×150 chip. */
export const FACE_TEMPLATE_68: readonly Point[] = symmetrise(MEASURED, TEMPLATE_CHIP_SIZE);

/** Landmarks used to fit the alignment: brows, nose, eyes, mouth (the jaw line moves with pose). */
export const ALIGNMENT_POINTS: readonly number[] = Array.from({ length: 51 }, (_, i) => i + 17);

/** The template scaled about the chip centre (>1 zooms in) and shifted vertically, in chip pixels. */
export function scaledTemplate(scale: number, shiftY = 0, size = TEMPLATE_CHIP_SIZE): Point[] {
  const c = size / 2;
  const k = size / TEMPLATE_CHIP_SIZE;
  return FACE_TEMPLATE_68.map((p) => ({
    x: c + (p.x * k - c) * scale,
    y: c + (p.y * k - c) * scale + shiftY,
  }));
}
