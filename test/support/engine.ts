import { createFaceEngine, type EnginePool } from '../../src/engine/index.ts';

/** Engine threads for tests: ENGINE_THREADS (the serial test project sets 1). */
export function testThreads(): number {
  const n = Number(process.env.ENGINE_THREADS ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

export function startTestEngine(threads = testThreads()): Promise<EnginePool> {
  return createFaceEngine({ threads });
}
