import type { ErrorInfo } from '../../core/errors.ts';
import type { FaceAnalysis, ModelInfo } from '../../core/face.ts';
import type { AnalyzerOptions, StageTimings } from '../face-analyzer.ts';

export interface ThreadData {
  options: AnalyzerOptions;
}

export interface AnalyzeTask {
  type: 'analyze';
  id: number;
  bytes: Uint8Array;
  crops: boolean;
}

export type ThreadReply =
  | { type: 'ready'; model: ModelInfo }
  | { type: 'init-failed'; error: ErrorInfo }
  | { type: 'result'; id: number; analysis: FaceAnalysis; timings: StageTimings }
  | { type: 'error'; id: number; error: ErrorInfo };
