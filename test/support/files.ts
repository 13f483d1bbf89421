import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Names of every file below `dir` (recursively); none when it does not exist. */
export function allFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? allFiles(join(dir, e.name)) : [e.name],
    );
  } catch {
    return [];
  }
}
