import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EnginePool } from '../../src/engine/index.ts';
import { startTestEngine } from '../support/engine.ts';
import { blankJpeg } from '../support/image-fixtures.ts';
import { DEMO_PHOTOS, describeWithFaces, ORL } from '../support/shared-faces.ts';

describeWithFaces('engine: determinism and the batch API', () => {
  let engine: EnginePool;
  beforeAll(async () => {
    engine = await startTestEngine(2);
  });
  afterAll(() => engine?.close());

  it('gives bit-identical embeddings alone, inside a batch and on either thread', async () => {
    const photo = await readFile(path.join(DEMO_PHOTOS, 'sample2.jpg'));
    const alone = await engine.analyze(photo);
    const others = await Promise.all([1, 2, 3].map((k) => readFile(path.join(ORL, `s${k}`, '1.pgm'))));
    const batch = await engine.analyzeBatch([
      others[0] as Buffer,
      photo,
      others[1] as Buffer,
      photo,
      others[2] as Buffer,
    ]);
    for (const index of [1, 3]) {
      const item = batch[index];
      expect(item?.ok).toBe(true);
      if (!item?.ok) continue;
      expect(item.analysis.faces.length).toBe(alone.faces.length);
      item.analysis.faces.forEach((face, i) => {
        expect(Buffer.from(face.embedding.buffer)).toEqual(
          Buffer.from((alone.faces[i] as { embedding: Float32Array }).embedding.buffer),
        );
      });
    }
  });

  it('reports the WASM heap its threads hold', () => {
    const MiB = 1024 * 1024;
    const { threads, wasmHeapBytes } = engine.stats();
    // With the networks on ONNX Runtime (the default) tfjs holds only the detectors' fallback and the
    // photo buffers; on the WASM runtime it also holds the descriptor and landmark networks (50+ MiB).
    expect(wasmHeapBytes).toBeGreaterThan(threads * MiB);
    expect(wasmHeapBytes).toBeLessThanOrEqual(threads * 200 * MiB);
  });

  it('returns batch results in input order with a per-image error', async () => {
    const face = await readFile(path.join(ORL, 's5', '1.pgm'));
    const results = await engine.analyzeBatch([
      face,
      new TextEncoder().encode('not an image'),
      await blankJpeg(),
      face,
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true]);
    const failed = results[1];
    expect(failed && !failed.ok && failed.error.code).toBe('invalid_image');
    const [first, , blank, last] = results;
    expect(first?.ok && first.analysis.faces.length).toBe(1);
    expect(blank?.ok && blank.analysis.faces.length).toBe(0);
    expect(last?.ok && last.analysis.faces[0]?.embedding).toEqual(
      first?.ok && first.analysis.faces[0]?.embedding,
    );
  });
});
