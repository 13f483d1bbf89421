import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { confinePath, type ImportRoots } from './confine-path.ts';

/** File or folder, following symbolic links (a dangling link counts as neither). */
export async function entryKind(entry: Dirent, full: string): Promise<'file' | 'dir' | 'other'> {
  if (entry.isSymbolicLink()) {
    const target = await stat(full).catch(() => null);
    return target?.isDirectory() ? 'dir' : target?.isFile() ? 'file' : 'other';
  }
  return entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
}

/**
 * A file met by `walkFolder`: `path` is where the walk found it (through links), `real` the file it
 * is. Or an entry refused without being opened: a link leading outside the roots or nowhere
 * (`outside_or_missing`), or something that is neither a regular file nor a folder (`not_regular`).
 */
export type WalkedEntry =
  | { path: string; real: string }
  | { path: string; refused: 'outside_or_missing' | 'not_regular' };

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Walks a folder recursively in name order, following symbolic links. With `roots`, a link is
 * followed only when its real target lies inside them; without (the CLI, reading what its user
 * names), any link that resolves is followed. Loop-safe: each real folder is entered once and each
 * real file yielded once, however many links lead to it (`self -> .` adds nothing).
 * `dir` must be a real path (as `confinePath` or `realpath` give); paths are shown under `shownAs`.
 */
export async function* walkFolder(
  dir: string,
  roots: ImportRoots | null,
  shownAs = dir,
): AsyncGenerator<WalkedEntry> {
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  async function* walk(shown: string, folder: string): AsyncGenerator<WalkedEntry> {
    if (seenDirs.has(folder)) return;
    seenDirs.add(folder);
    const entries = await readdir(folder, { withFileTypes: true });
    entries.sort(byName);
    for (const entry of entries) {
      const path = join(shown, entry.name);
      let real = join(folder, entry.name);
      let kind: 'file' | 'dir' | 'other';
      if (entry.isSymbolicLink()) {
        const target = roots ? await confinePath(real, roots) : await realpath(real).catch(() => null);
        if (target === null) {
          yield { path, refused: 'outside_or_missing' };
          continue;
        }
        real = target;
        const info = await stat(real).catch(() => null);
        kind = info?.isDirectory() ? 'dir' : info?.isFile() ? 'file' : 'other';
      } else {
        kind = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      }
      if (kind === 'dir') {
        yield* walk(path, real);
      } else if (kind === 'other') {
        yield { path, refused: 'not_regular' };
      } else if (!seenFiles.has(real)) {
        seenFiles.add(real);
        yield { path, real };
      }
    }
  }
  yield* walk(shownAs, dir);
}
