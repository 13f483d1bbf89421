import type { Dirent } from 'node:fs';
import { stat } from 'node:fs/promises';

/** File or folder, following symbolic links (a dangling link counts as neither). */
export async function entryKind(entry: Dirent, full: string): Promise<'file' | 'dir' | 'other'> {
  if (entry.isSymbolicLink()) {
    const target = await stat(full).catch(() => null);
    return target?.isDirectory() ? 'dir' : target?.isFile() ? 'file' : 'other';
  }
  return entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
}
