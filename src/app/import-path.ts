import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { AppError } from '../core/errors.ts';
import {
  confinePath,
  type ImportRoots,
  isWithin,
  missingInsideRoots,
  NOT_REGULAR,
  OUTSIDE_ROOTS,
} from './confine-path.ts';
import { walkFolder } from './file-entry.ts';

export { type ImportRoots, resolveImportRoots } from './confine-path.ts';

/**
 * Resolves a client-supplied path to a real path inside one of the import roots, or throws:
 * `forbidden_path` for `..`, paths outside every root, and symlinks that leave the roots or lead
 * nowhere (decided before anything is opened, with one reason whether the outside target exists or
 * not); `not_found` for a path missing inside a root.
 */
export async function resolveImportPath(input: string, roots: ImportRoots): Promise<string> {
  if (roots.configured.length === 0)
    throw new AppError('forbidden_path', 'path imports are disabled: IMPORT_ROOTS is not configured');
  if (input.length === 0 || input.includes('\0'))
    throw new AppError('invalid_input', 'path must be a non-empty string');
  if (input.split(/[\\/]+/).includes('..'))
    throw new AppError('forbidden_path', 'path must not contain `..` segments');
  const absolute = isAbsolute(input) ? resolve(input) : resolve(roots.configured[0] as string, input);
  const lexicallyInside = [...roots.configured, ...roots.real].some((root) => isWithin(absolute, root));
  if (!lexicallyInside) throw new AppError('forbidden_path', 'path is outside the configured IMPORT_ROOTS');
  const real = await confinePath(absolute, roots);
  if (real !== null) return real;
  if (await missingInsideRoots(absolute, roots))
    throw new AppError('not_found', 'no such file or folder under IMPORT_ROOTS');
  throw new AppError('forbidden_path', `path is ${OUTSIDE_ROOTS}`);
}

export type ImportEntry = { path: string } | { path: string; error: AppError };

/**
 * Lists the files under a real path (the file itself, or a folder recursively, in name order, each
 * real file once). Symlinks are followed only when their target stays inside the roots; others are
 * listed as `forbidden_path` errors, and FIFOs, sockets and devices as `invalid_image`, without
 * being opened. A path that is neither a regular file nor a folder is refused outright.
 */
export async function listImportFiles(
  real: string,
  roots: ImportRoots,
  maxFiles: number,
): Promise<ImportEntry[]> {
  const info = await stat(real);
  if (info.isFile()) return [{ path: real }];
  if (!info.isDirectory()) throw new AppError('invalid_image', `${NOT_REGULAR} or folder`);
  const out: ImportEntry[] = [];
  for await (const entry of walkFolder(real, roots)) {
    if (out.length >= maxFiles)
      throw new AppError(
        'invalid_input',
        `the folder holds more than ${maxFiles} files; import sub-folders one by one`,
      );
    if ('real' in entry) out.push({ path: entry.real });
    else if (entry.refused === 'outside_or_missing')
      out.push({ path: entry.path, error: new AppError('forbidden_path', OUTSIDE_ROOTS) });
    else out.push({ path: entry.path, error: new AppError('invalid_image', NOT_REGULAR) });
  }
  return out;
}
