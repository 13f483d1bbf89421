import type { NewImage } from '../../src/ports/images.ts';

/** A photo row for store-level tests: `key` makes the sha256 (and so the photo) distinct. */
export function newImageRow(key: string | number, overrides: Partial<NewImage> = {}): NewImage {
  return {
    sha256: String(key).padStart(64, '0'),
    size: 1,
    mediaType: 'image/jpeg',
    file: `${key}.jpg`,
    importPath: null,
    requestId: null,
    width: 1,
    height: 1,
    ...overrides,
  };
}
