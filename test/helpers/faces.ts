import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** `../shared/faces` relative to the repository root. */
export const FACES_DIR = resolve(import.meta.dirname, '../../../shared/faces');

/**
 * Whether the face data is there. When it is missing: with `CI` set the suite fails with a clear
 * message; otherwise it is skipped (vitest prints the reason through `describe.skipIf`).
 */
export function facesAvailable(subdir: 'orl' | 'lfw-dev'): boolean {
  const path = join(FACES_DIR, subdir);
  if (existsSync(path)) return true;
  const message = `face data missing: ${path} (see ../shared/faces/README.md); these tests need it`;
  if (process.env.CI) throw new Error(message);
  console.warn(`skipping: ${message}`);
  return false;
}

export function orl(person: number, k: number): Uint8Array {
  return new Uint8Array(readFileSync(join(FACES_DIR, 'orl', `s${person}`, `${k}.pgm`)));
}

export function orlPath(person: number, k: number): string {
  return join(FACES_DIR, 'orl', `s${person}`, `${k}.pgm`);
}

export function lfw(name: string, n = 1): Uint8Array {
  const file = `${name}_${String(n).padStart(4, '0')}.jpg`;
  return new Uint8Array(readFileSync(join(FACES_DIR, 'lfw-dev', name, file)));
}
