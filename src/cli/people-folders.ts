import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.ts';
import { isImagePath } from '../core/image-path.ts';
import type { PersonPhotos } from '../core/open-set-protocol.ts';

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The people of a face data set laid out one folder per person (LFW style): each folder's name is the
 * person, its photos (image extensions, not recursive) are paths relative to `root`. Sorted by name.
 */
export async function readPeopleFolders(root: string): Promise<PersonPhotos[]> {
  let folders: string[];
  try {
    if (!(await stat(root)).isDirectory()) throw new AppError('invalid_input', `${root} is not a folder`);
    folders = (await readdir(root, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort(byCodeUnits);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('not_found', `cannot read ${root}: no such folder`, { cause: error });
  }
  const people: PersonPhotos[] = [];
  for (const person of folders) {
    const photos = (await readdir(path.join(root, person))).filter(isImagePath).sort(byCodeUnits);
    if (photos.length > 0) people.push({ person, photos: photos.map((p) => `${person}/${p}`) });
  }
  if (people.length === 0)
    throw new AppError(
      'no_images',
      `no person folders with photos in ${root} (expected <root>/<person>/<photo>)`,
    );
  return people;
}
