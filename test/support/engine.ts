import { createFaceEngine, type EnginePool } from '../../src/engine/index.ts';
import type { EngineRuntimeChoice } from '../../src/engine/runtime/engine-runtime.ts';

/** Engine threads for tests: ENGINE_THREADS (the serial test project sets 1). */
export function testThreads(): number {
  const n = Number(process.env.ENGINE_THREADS ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** An engine for tests; `runtime` as ENGINE_RUNTIME (default: auto, i.e. ONNX Runtime here). */
export function startTestEngine(threads = testThreads(), runtime?: EngineRuntimeChoice): Promise<EnginePool> {
  return createFaceEngine(runtime ? { threads, runtime } : { threads });
}
