import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { averageResultDocument } from '../../src/app/average/average-document.ts';
import { loadWorkerConfig } from '../../src/config/roles.config.ts';
import { selectFaces } from '../../src/core/face-selection.ts';
import { createFaceEngine, EMBEDDING_DIMENSIONS } from '../../src/engine/index.ts';
import type { FaceEngine } from '../../src/ports/face-engine.ts';
import { runAverage } from '../../src/roles/average.ts';
import { describeWithFaces } from '../support/shared-faces.ts';
import { comparable, lfwSubset, writeList } from './lfw-subset.ts';

const PHOTOS = 100;

describeWithFaces('faceflow average: the result equals a sequential computation', () => {
  let dir: string;
  let engine: FaceEngine;
  let list: string;
  let reference: { mean: number[]; photosUsed: number; faces: number };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'faceflow-avg-exact-'));
    const photos = lfwSubset(PHOTOS);
    list = await writeList(path.join(dir, 'photos.txt'), photos);
    engine = await createFaceEngine({ threads: 1 });
    // the straightforward way: one photo after another, a float64 running sum, divide at the end
    const sum = new Float64Array(engine.model.dimensions);
    let faces = 0;
    let photosUsed = 0;
    for (const photo of photos) {
      const analysis = await engine.analyze(new Uint8Array(await readFile(photo)));
      const [face] = selectFaces(analysis.faces, 'largest', analysis.width, analysis.height);
      if (!face) continue;
      photosUsed++;
      faces++;
      for (let d = 0; d < sum.length; d++) sum[d] = (sum[d] as number) + (face.embedding[d] as number);
    }
    reference = { mean: [...sum].map((s) => s / faces), photosUsed, faces };
  });

  afterAll(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (name: string, workers: number, chunkSize: number, shared: boolean) => {
    const config = loadWorkerConfig({ DATA_DIR: path.join(dir, name), LOG_LEVEL: 'silent' });
    const job = await runAverage(config, {
      dataset: { path: list, label: 'lfw subset', options: { face: 'largest', minScore: 0, chunkSize } },
      workers,
      maxEntryBytes: 20 * 1024 * 1024,
      engine: shared ? engine : undefined,
    });
    return averageResultDocument(job);
  };

  let first: ReturnType<typeof averageResultDocument>;

  it('1 worker, chunks of 7: within 1e-6 of the sequential mean in every dimension', async () => {
    first = await run('one', 1, 7, true);
    expect(first.counts.photos).toBe(PHOTOS);
    expect(first.counts.photosUsed).toBe(reference.photosUsed);
    expect(first.counts.faces).toBe(reference.faces);
    expect(first.counts.skipped.no_face).toBe(PHOTOS - reference.photosUsed);
    expect(first.mean).toHaveLength(EMBEDDING_DIMENSIONS);
    for (let d = 0; d < EMBEDDING_DIMENSIONS; d++)
      expect(Math.abs((first.mean[d] as number) - (reference.mean[d] as number))).toBeLessThanOrEqual(1e-6);
    const norm = Math.hypot(...first.normalizedMean);
    expect(norm).toBeCloseTo(1, 12);
    expect(first.std.every((s) => s > 0 && s < 1)).toBe(true);
    expect(first.stats.photosPerSecond).toBeGreaterThan(0);
  });

  it('2 workers, chunks of 32: bit-for-bit the same result as 1 worker with chunks of 7', async () => {
    const second = await run('two', 2, 32, false);
    for (let d = 0; d < EMBEDDING_DIMENSIONS; d++)
      expect(Math.abs((second.mean[d] as number) - (reference.mean[d] as number))).toBeLessThanOrEqual(1e-6);
    expect(comparable(second)).toEqual(comparable(first));
  });
});
