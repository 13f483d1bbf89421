import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { entryKind } from '../app/file-entry.ts';
import { AppError } from '../core/errors.ts';
import { isImagePath } from '../core/image-path.ts';
import { listImages } from './image-files.ts';

export interface KnownPhoto {
  person: string;
  file: string;
}

/** `<person>.jpg` or `<person>_<n>.jpg` → person (face_recognition's CLI convention). */
export function personFromFileName(file: string): string {
  const stem = path.basename(file, path.extname(file));
  return stem.replace(/_\d+$/, '');
}

/**
 * Reads a folder of known people: one sub-folder per person (every photo inside is that person),
 * and/or photos named `<person>.jpg` / `<person>_<n>.jpg` directly inside.
 */
export async function readKnownPeople(dir: string): Promise<KnownPhoto[]> {
  await listImages(dir); // clear errors for a missing path or a folder without images
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const known: KnownPhoto[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const kind = await entryKind(entry, full);
    if (kind === 'dir') {
      const files = await listImages(full).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'no_images') return [];
        throw error;
      });
      for (const file of files) known.push({ person: entry.name, file });
    } else if (kind === 'file' && isImagePath(entry.name)) {
      known.push({ person: personFromFileName(entry.name), file: full });
    }
  }
  if (known.length === 0) throw new AppError('no_images', `no photos of known people in ${dir}`);
  return known;
}
