import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithFaces, LFW_DEV } from '../../../test/support/shared-faces.ts';
import type { FaceAnalysis } from '../../core/face.ts';
import { createFaceEngine } from '../index.ts';
import type { EnginePool } from '../pool/engine-pool.ts';

/** Two lfw-dev photos, one face each. */
const PHOTOS = ['Abdullah_Gul/Abdullah_Gul_0001.jpg', 'Adam_Ant/Adam_Ant_0001.jpg'].map(
  (p) => new Uint8Array(readFileSync(path.join(LFW_DEV, p))),
);

describeWithFaces('ENGINE_RUNTIME: the whole engine on ONNX Runtime and on tfjs-WASM', () => {
  const pools: Record<'onnx' | 'wasm', EnginePool | undefined> = { onnx: undefined, wasm: undefined };
  const results: Record<'onnx' | 'wasm', FaceAnalysis[]> = { onnx: [], wasm: [] };

  beforeAll(async () => {
    for (const runtime of ['onnx', 'wasm'] as const) {
      const pool = await createFaceEngine({ threads: 1, runtime });
      pools[runtime] = pool;
      for (const photo of PHOTOS) results[runtime].push(await pool.analyze(photo));
    }
  }, 120_000);
  afterAll(async () => {
    await pools.onnx?.close();
    await pools.wasm?.close();
  });

  it('runs where it was asked to and says so in its stats', () => {
    expect(pools.onnx?.runtime).toEqual({ kind: 'onnx' });
    expect(pools.onnx?.stats().runtime).toBe('onnx');
    expect(pools.wasm?.runtime).toEqual({ kind: 'wasm' });
    expect(pools.wasm?.stats().runtime).toBe('wasm');
  });

  it('gives the same faces, landmarks and model version, and embeddings within 1e-4, on both', () => {
    for (const [i, onnx] of results.onnx.entries()) {
      const wasm = results.wasm[i] as FaceAnalysis;
      expect(onnx.model).toEqual(wasm.model);
      expect(onnx.faces).toHaveLength(1);
      expect(wasm.faces).toHaveLength(1);
      const [a, b] = [onnx.faces[0], wasm.faces[0]];
      expect(a?.box).toEqual(b?.box);
      expect(a?.landmarks).toEqual(b?.landmarks);
      const ea = a?.embedding as Float32Array;
      const eb = b?.embedding as Float32Array;
      expect(ea.length).toBe(eb.length);
      const worst = ea.reduce((max, v, k) => Math.max(max, Math.abs(v - (eb[k] as number))), 0);
      expect(worst).toBeLessThan(1e-4);
    }
  });
});
