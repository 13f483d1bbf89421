import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileSystemProbe } from './fs-probe.ts';

describe('fileSystemProbe', () => {
  it('is fine when the folder lists, and says why when it cannot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceflow-probe-'));
    try {
      expect(await fileSystemProbe(dir)()).toBeNull();
      expect(await fileSystemProbe(join(dir, 'missing'))()).toMatch(/cannot be read: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers within its bound when the probe never finishes, and starts no second probe meanwhile', async () => {
    let started = 0;
    const check = fileSystemProbe('/nowhere', {
      timeoutMs: 100,
      probe: () => {
        started++;
        return new Promise(() => {});
      },
    });
    const t0 = Date.now();
    expect(await check()).toMatch(/does not answer/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const t1 = Date.now();
    expect(await check()).toMatch(/does not answer/);
    expect(Date.now() - t1).toBeLessThan(50);
    expect(started).toBe(1);
  });
});
