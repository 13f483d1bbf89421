import { close, constants, fstat, open, readFile } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../core/errors.ts';

// Everything faceflow opens from a path a user gave (path imports, data sets, the CLI) goes through
// here: `confinePath` keeps server-side reads inside IMPORT_ROOTS, `openRegularFd` never blocks a
// file-system thread on a FIFO or a device.

export interface ImportRoots {
  /** The configured roots as given (absolute). */
  configured: string[];
  /** Their real paths (symlinks resolved). */
  real: string[];
}

export async function resolveImportRoots(roots: string[]): Promise<ImportRoots> {
  const configured = roots.map((r) => resolve(r));
  const real: string[] = [];
  for (const root of configured) {
    try {
      real.push(await realpath(root));
    } catch {
      // a root that does not exist (yet) admits nothing
    }
  }
  return { configured, real };
}

/** Whether `child` is `root` or lies below it (both absolute; a look-alike sibling is not inside). */
export function isWithin(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Whether a real path lies inside one of the roots' real paths. */
export function insideRoots(real: string, roots: ImportRoots): boolean {
  return roots.real.some((root) => isWithin(real, root));
}

/**
 * The one reason given for a path that is refused because it resolves outside the roots or does
 * not resolve at all: the same words either way, so that refusals reveal nothing outside the roots.
 */
export const OUTSIDE_ROOTS = 'outside the import roots or missing';

/**
 * The real path of `path` (every symlink resolved) when it lies inside one of the roots, else null,
 * whether the path is outside, missing, or a link to something outside that may or may not exist.
 */
export async function confinePath(path: string, roots: ImportRoots): Promise<string | null> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return null;
  }
  return insideRoots(real, roots) ? real : null;
}

/**
 * For a path `confinePath` refused: whether it is simply missing inside a root, i.e. its nearest
 * existing ancestor resolves inside a root and the next name does not exist there at all (not even
 * as a dangling link). Decided from what is inside the roots only, so it may be told to a client.
 */
export async function missingInsideRoots(path: string, roots: ImportRoots): Promise<boolean> {
  let child = resolve(path);
  let parent = dirname(child);
  while (parent !== child) {
    const real = await realpath(parent).catch(() => null);
    if (real !== null) {
      if (!insideRoots(real, roots)) return false;
      const entry = await lstat(join(real, basename(child))).catch((error: NodeJS.ErrnoException) =>
        error.code === 'ENOENT' ? null : error,
      );
      return entry === null;
    }
    child = parent;
    parent = dirname(parent);
  }
  return false;
}

export const NOT_REGULAR = 'not a regular file';

const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);
const readFd = promisify(readFile);

/**
 * Opens a regular file for reading; anything else (FIFO, socket, device, folder) is refused with
 * `invalid_image` before it could block. It is checked twice: by `stat` before opening, and by
 * `fstat` on what was opened (with O_NONBLOCK, so a FIFO swapped in between opens at once and is
 * refused too). The caller owns the returned descriptor. File-system errors (ENOENT…) pass through.
 */
export async function openRegularFd(path: string): Promise<{ fd: number; size: number }> {
  if (!(await stat(path)).isFile()) throw new AppError('invalid_image', NOT_REGULAR);
  const fd = await openFd(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await fstatFd(fd);
    if (!info.isFile()) throw new AppError('invalid_image', NOT_REGULAR);
    return { fd, size: info.size };
  } catch (error) {
    await closeFd(fd);
    throw error;
  }
}

/**
 * Reads a whole regular file (see `openRegularFd`); `checkSize` may throw to refuse it by its
 * size before any byte is read.
 */
export async function readRegularFile(path: string, checkSize?: (size: number) => void): Promise<Uint8Array> {
  const { fd, size } = await openRegularFd(path);
  try {
    checkSize?.(size);
    return new Uint8Array(await readFd(fd));
  } finally {
    await closeFd(fd);
  }
}
