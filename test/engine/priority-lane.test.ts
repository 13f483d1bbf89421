import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnginePool } from '../../src/engine/index.ts';
import { startTestEngine } from '../support/engine.ts';
import { DEMO_PHOTOS } from '../support/shared-faces.ts';

describe('engine pool: priority lane', () => {
  let engine: EnginePool;
  beforeAll(async () => {
    engine = await startTestEngine(1);
  });
  afterAll(() => engine?.close());

  it('serves an interactive request next even when batch work fills every thread', async () => {
    const photo = await readFile(path.join(DEMO_PHOTOS, 'sample1.jpg'));
    const finished: string[] = [];
    const batch = Array.from({ length: 5 }, (_, i) =>
      engine.analyze(photo, { priority: 'batch' }).then(() => finished.push(`batch${i}`)),
    );
    await new Promise((r) => setTimeout(r, 50)); // batch0 is running, batch1..4 are queued
    expect(engine.stats()).toMatchObject({ threads: 1, busy: 1, queuedBatch: 4 });
    const interactive = engine
      .analyze(photo, { priority: 'interactive' })
      .then(() => finished.push('interactive'));
    await Promise.all([...batch, interactive]);
    expect(finished.indexOf('interactive')).toBeLessThanOrEqual(1);
    expect(finished).toHaveLength(6);
  });
});
