import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluatePairs, parsePairs } from '../../src/app/evaluate-pairs.ts';
import { accuracyAt } from '../../src/core/verification-metrics.ts';
import type { EnginePool } from '../../src/engine/index.ts';
import { DEFAULT_MATCH_THRESHOLD } from '../../src/engine/index.ts';
import { startTestEngine } from '../support/engine.ts';
import { describeWithFaces, LFW_DEV } from '../support/shared-faces.ts';

describeWithFaces('engine accuracy on lfw-dev', () => {
  let engine: EnginePool;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(() => engine?.close());

  it('gets ≥ 97 % of the first 300 pairs right at the default threshold (missed faces count as errors)', async () => {
    const pairs = parsePairs(await readFile(path.join(LFW_DEV, 'pairs.tsv'), 'utf8')).slice(0, 300);
    const result = await evaluatePairs({ engine, pairs, readImage: (p) => readFile(path.join(LFW_DEV, p)) });
    const accuracy = accuracyAt(result.scored, DEFAULT_MATCH_THRESHOLD);
    expect(result.missedFacePairs).toBe(0);
    expect(accuracy).toBeGreaterThanOrEqual(0.97);
    expect(engine.model.threshold).toBe(DEFAULT_MATCH_THRESHOLD);
    // ~570 photos on one engine thread: about 2 minutes alone, more on a machine that is also busy.
  }, 420_000);
});
