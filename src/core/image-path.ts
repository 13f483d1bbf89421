import path from 'node:path';

/** File name extensions faceflow treats as photos when it walks a folder. */
export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.pgm',
  '.ppm',
  '.pnm',
  '.heic',
  '.avif',
]);

export function isImagePath(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}
