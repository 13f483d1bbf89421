import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsBlobStore } from './blob-store.fs.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('FsBlobStore: photos at rest are private', () => {
  let base: string;
  let umask: number;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'faceflow-blobs-'));
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(base, { recursive: true, force: true });
  });

  it('writes files 0600 in folders 0700 whatever the umask, small (sync) and large (async) alike', async () => {
    const root = join(base, 'blobs');
    const blobs = new FsBlobStore(root, 100);
    const small = await blobs.put(new Uint8Array([1, 2, 3]));
    const large = await blobs.put(new Uint8Array(1000).fill(7));
    expect(mode(root)).toBe(0o700);
    for (const { sha256 } of [small, large]) {
      const ab = join(root, sha256.slice(0, 2));
      const cd = join(ab, sha256.slice(2, 4));
      expect([mode(ab), mode(cd), mode(join(cd, sha256))]).toEqual([0o700, 0o700, 0o600]);
      // No temporary file is left beside it.
      expect(readdirSync(cd)).toEqual([sha256]);
    }
    expect(await blobs.get(large.sha256)).toEqual(new Uint8Array(1000).fill(7));
  });
});
