import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDING_DIMENSIONS, type EnginePool } from '../../src/engine/index.ts';
import { startTestEngine } from '../support/engine.ts';
import { blankJpeg, syntheticImage } from '../support/image-fixtures.ts';
import { DEMO_PHOTOS } from '../support/shared-faces.ts';

describe('engine: detection on real photos', () => {
  let engine: EnginePool;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine?.close());

  // Counted by hand on the 1920-pixel group photos that ship with @vladmandic/face-api.
  const counts: Record<string, number> = {
    sample1: 3,
    sample2: 3,
    sample3: 3,
    sample4: 4,
    sample5: 5,
    sample6: 4,
  };
  for (const [name, expected] of Object.entries(counts)) {
    it(`finds exactly ${expected} faces in ${name}.jpg, with boxes inside the photo`, async () => {
      const analysis = await engine.analyze(await readFile(path.join(DEMO_PHOTOS, `${name}.jpg`)));
      expect(analysis.faces).toHaveLength(expected);
      for (const face of analysis.faces) {
        const { top, right, bottom, left } = face.box;
        expect(left).toBeGreaterThanOrEqual(0);
        expect(top).toBeGreaterThanOrEqual(0);
        expect(right).toBeLessThanOrEqual(analysis.width);
        expect(bottom).toBeLessThanOrEqual(analysis.height);
        expect(right - left).toBeGreaterThan(40);
        expect(bottom - top).toBeGreaterThan(40);
        expect(face.landmarks).toHaveLength(68);
        expect(face.embedding).toHaveLength(EMBEDDING_DIMENSIONS);
        const norm = Math.hypot(...face.embedding);
        expect(norm).toBeCloseTo(1, 5);
        expect(face.quality.verdict).toBe('good');
      }
    });
  }

  it('finds no face in a blank or a synthetic image (and invents no box)', async () => {
    for (const bytes of [await blankJpeg(), await syntheticImage()]) {
      const analysis = await engine.analyze(bytes);
      expect(analysis.faces).toEqual([]);
    }
  });

  it('returns an aligned 150×150 crop when asked', async () => {
    const analysis = await engine.analyze(await readFile(path.join(DEMO_PHOTOS, 'sample1.jpg')), {
      crops: true,
    });
    const crop = analysis.faces[0]?.alignedCrop;
    expect(crop?.width).toBe(150);
    expect(crop?.data.length).toBe(150 * 150 * 3);
  });
});
