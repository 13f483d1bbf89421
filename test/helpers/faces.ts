import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_FACES } from '../support/shared-faces.ts';

/** `../shared/faces` relative to the repository root (suites use `describeWithFaces` from test/support). */
export const FACES_DIR = SHARED_FACES;

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
