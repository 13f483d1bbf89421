import type { FaceEngine } from '../ports/face-engine.ts';
import { EnginePool, type EnginePoolOptions } from './pool/engine-pool.ts';

export {
  DEFAULT_MAX_PIXELS,
  type DecodedImage,
  type DecodeOptions,
  decodeImage,
} from './decode/image-decoder.ts';
export type { RawImage } from './decode/raw-image.ts';
export { DEFAULT_ANALYZER_OPTIONS } from './face-analyzer.ts';
export { DEFAULT_MATCH_THRESHOLD, EMBEDDING_DIMENSIONS, MODEL_NAME } from './model-info.ts';
export { EnginePool, type EnginePoolOptions } from './pool/engine-pool.ts';

/** The in-process face engine: a worker-thread pool (one WASM backend per thread). */
export function createFaceEngine(options: EnginePoolOptions = {}): Promise<FaceEngine & EnginePool> {
  return EnginePool.start(options);
}
