import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { entryKind } from '../app/file-entry.ts';
import { AppError } from '../core/errors.ts';
import { isImagePath } from '../core/image-path.ts';

async function statOrThrow(target: string) {
  try {
    return await stat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' ? 'permission denied' : 'no such file or directory';
    throw new AppError('not_found', `cannot read ${target}: ${reason}`, { cause: error });
  }
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const kind = await entryKind(entry, full);
    if (kind === 'dir') await walk(full, out);
    else if (kind === 'file' && isImagePath(entry.name)) out.push(full);
  }
}

/**
 * Expands a path into photo files: a file is taken as it is (whatever its extension, so that a
 * non-image gets a clear decoding error), a folder is searched recursively for image extensions.
 */
export async function listImages(target: string): Promise<string[]> {
  const info = await statOrThrow(target);
  if (info.isFile()) return [target];
  if (!info.isDirectory()) throw new AppError('invalid_input', `${target} is neither a file nor a folder`);
  const out: string[] = [];
  await walk(target, out);
  if (out.length === 0) throw new AppError('no_images', `no images found in ${target}`);
  return out;
}

export async function readImageFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder' : 'no such file';
    throw new AppError('not_found', `cannot read ${file}: ${reason}`, { cause: error });
  }
}
