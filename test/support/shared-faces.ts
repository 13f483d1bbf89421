import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared face data sets, next to the repository (never copied into it). */
export const SHARED_FACES = path.resolve(REPO_ROOT, '../shared/faces');
export const LFW_DEV = path.join(SHARED_FACES, 'lfw-dev');
export const ORL = path.join(SHARED_FACES, 'orl');
export const WIDER_DEV = path.join(SHARED_FACES, 'wider-dev');
export const DEMO_PHOTOS = path.join(REPO_ROOT, 'node_modules/@vladmandic/face-api/demo');

export const MISSING_FACES_MESSAGE = `face data not found at ${SHARED_FACES} (../shared/faces next to the repository): tests that need real faces cannot run`;

export function hasSharedFaces(): boolean {
  return existsSync(path.join(LFW_DEV, 'pairs.tsv')) && existsSync(ORL);
}

/**
 * `describe` for suites that need ../shared/faces: when it is missing they fail with a clear
 * message if CI is set, and are skipped with that message otherwise (a user's fresh clone).
 */
export function describeWithFaces(name: string, body: () => void): void {
  if (hasSharedFaces()) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it('needs ../shared/faces', () => {
        throw new Error(MISSING_FACES_MESSAGE);
      });
    });
  } else {
    describe.skip(`${name} — skipped: ${MISSING_FACES_MESSAGE}`, body);
  }
}
