import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ANALYZER_OPTIONS, FaceAnalyzer } from '../../src/engine/face-analyzer.ts';
import { modelInfo } from '../../src/engine/model-info.ts';
import {
  type FaceRuntime,
  liveTensors,
  loadFaceRuntime,
  wasmHeapBytes,
} from '../../src/engine/runtime/tfjs-runtime.ts';
import { blankJpeg } from '../support/image-fixtures.ts';
import { DEMO_PHOTOS } from '../support/shared-faces.ts';

const MiB = 1024 * 1024;

/**
 * A thread's tfjs WASM heap never shrinks: it keeps the size of the largest working set the thread
 * has seen, so that working set is what a pool's memory is made of. With face-api's own forward
 * passes (and SSD MobileNet as the cascade's last resort) the three group photos alone take it to
 * 298 MiB; with the lean passes the whole sequence measured 172 MiB.
 */
describe('engine: a thread’s WASM heap stays bounded', () => {
  let runtime: FaceRuntime;
  let analyzer: FaceAnalyzer;
  beforeAll(async () => {
    runtime = await loadFaceRuntime();
    const model = modelInfo({ faceApi: runtime.faceApiVersion }, DEFAULT_ANALYZER_OPTIONS);
    analyzer = new FaceAnalyzer(runtime, model, DEFAULT_ANALYZER_OPTIONS);
  });

  it('after group photos and a faceless 2048-pixel photo that runs the whole detector cascade', async () => {
    const tensors = liveTensors(runtime);
    const photos = await Promise.all(
      ['sample1', 'sample5', 'sample6'].map((name) => readFile(path.join(DEMO_PHOTOS, `${name}.jpg`))),
    );
    const faces = [];
    for (const bytes of [...photos, await blankJpeg(2048, 1536)]) {
      faces.push((await analyzer.analyze({ bytes })).analysis.faces.length);
      console.info('HEAP', wasmHeapBytes(runtime) / MiB);
    }
    expect(faces).toEqual([3, 5, 4, 0]);
    expect(liveTensors(runtime)).toBe(tensors);
    const heap = wasmHeapBytes(runtime) / MiB;
    console.info(`WASM heap after the sequence: ${heap.toFixed(0)} MiB`);
    expect(heap).toBeLessThanOrEqual(200);
  });
});
