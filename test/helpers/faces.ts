import { readdirSync, readFileSync } from 'node:fs';
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

/** `count` lfw-dev people (sorted folder order) from `offset`, as upload parts `<name>.jpg`. */
export function lfwUploads(offset: number, count: number): Array<{ name: string; bytes: Uint8Array }> {
  return readdirSync(join(FACES_DIR, 'lfw-dev'))
    .filter((n) => !n.includes('.'))
    .slice(offset, offset + count)
    .map((name) => ({ name: `${name}.jpg`, bytes: lfw(name) }));
}
