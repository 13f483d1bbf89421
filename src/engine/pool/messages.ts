import type { ErrorInfo } from '../../core/errors.ts';
import type { FaceAnalysis, ModelInfo } from '../../core/face.ts';
import type { AnalyzerOptions, StageTimings } from '../face-analyzer.ts';
import type { EngineRuntimeChoice, EngineRuntimeKind } from '../runtime/engine-runtime.ts';

export interface ThreadData {
  options: AnalyzerOptions;
  runtime: EngineRuntimeChoice;
}

export interface AnalyzeTask {
  type: 'analyze';
  id: number;
  bytes: Uint8Array;
  crops: boolean;
}

/** Every reply of a running thread says how large its WASM heap is now. */
export type ThreadReply =
  | {
      type: 'ready';
      model: ModelInfo;
      wasmHeapBytes: number;
      runtime: EngineRuntimeKind;
      fallbackReason?: string;
    }
  | { type: 'init-failed'; error: ErrorInfo }
  | { type: 'result'; id: number; analysis: FaceAnalysis; timings: StageTimings; wasmHeapBytes: number }
  | { type: 'error'; id: number; error: ErrorInfo; wasmHeapBytes: number };
