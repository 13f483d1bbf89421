import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../core/errors.ts';

function within(child: string, root: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

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

/**
 * Resolves a client-supplied path to a real path inside one of the import roots, or throws:
 * `forbidden_path` for `..`, paths outside every root, and symlinks that leave the roots
 * (decided before anything is opened); `not_found` for a missing path inside a root.
 */
export async function resolveImportPath(input: string, roots: ImportRoots): Promise<string> {
  if (roots.configured.length === 0)
    throw new AppError('forbidden_path', 'path imports are disabled: IMPORT_ROOTS is not configured');
  if (input.length === 0 || input.includes('\0'))
    throw new AppError('invalid_input', 'path must be a non-empty string');
  if (input.split(/[\\/]+/).includes('..'))
    throw new AppError('forbidden_path', 'path must not contain `..` segments');
  const absolute = isAbsolute(input) ? resolve(input) : resolve(roots.configured[0] as string, input);
  const lexicallyInside = [...roots.configured, ...roots.real].some((root) => within(absolute, root));
  if (!lexicallyInside) throw new AppError('forbidden_path', 'path is outside the configured IMPORT_ROOTS');
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (error) {
    throw new AppError('not_found', 'no such file or folder under IMPORT_ROOTS', { cause: error });
  }
  assertInsideRealRoots(real, roots);
  return real;
}

function assertInsideRealRoots(real: string, roots: ImportRoots): void {
  if (!roots.real.some((root) => within(real, root)))
    throw new AppError('forbidden_path', 'path leads outside IMPORT_ROOTS (through a symbolic link)');
}

export type ImportEntry = { path: string } | { path: string; error: AppError };

/**
 * Lists the files under a real path (the file itself, or a folder recursively, in name order).
 * Symlinks are followed only when their target stays inside the roots; others are listed as
 * `forbidden_path` errors without being opened.
 */
export async function listImportFiles(
  real: string,
  roots: ImportRoots,
  maxFiles: number,
): Promise<ImportEntry[]> {
  const out: ImportEntry[] = [];
  const visited = new Set<string>();
  async function walk(dir: string): Promise<void> {
    if (visited.has(dir)) return;
    visited.add(dir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        out.push({ path: dir });
        return;
      }
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (out.length >= maxFiles)
        throw new AppError(
          'invalid_input',
          `the folder holds more than ${maxFiles} files; import sub-folders one by one`,
        );
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(path);
          assertInsideRealRoots(target, roots);
        } catch (error) {
          out.push({
            path,
            error:
              error instanceof AppError
                ? error
                : new AppError('not_found', 'broken symbolic link', { cause: error }),
          });
          continue;
        }
        await walk(target);
      } else if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        out.push({ path });
      }
    }
  }
  await walk(real);
  return out;
}
