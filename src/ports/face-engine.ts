import { AppError, type ErrorInfo } from '../core/errors.ts';
import type { FaceAnalysis, ModelInfo } from '../core/face.ts';

/** `interactive` requests (webcam frames, POST /api/identify) jump ahead of queued `batch` work. */
export type EnginePriority = 'interactive' | 'batch';

export interface AnalyzeOptions {
  priority?: EnginePriority;
  /** Also return a 150×150 aligned RGB crop per face (costs a copy across threads). */
  crops?: boolean;
}

export type BatchItemResult = { ok: true; analysis: FaceAnalysis } | { ok: false; error: ErrorInfo };

export interface EngineStats {
  threads: number;
  busy: number;
  queuedInteractive: number;
  queuedBatch: number;
  /**
   * Bytes of WASM heap held by the engine's threads together (each thread's heap keeps the size of
   * the largest working set it has seen). Absent where the engine runs elsewhere (remote recognizer).
   */
  wasmHeapBytes?: number;
  /** Where the in-process engine runs its networks: ONNX Runtime's CPU kernels or tfjs-WASM (ENGINE_RUNTIME). */
  runtime?: 'onnx' | 'wasm';
}

/**
 * Face engine port: every role (worker, api, recognizer, CLI, batch job) speaks to faces through it.
 * `analyze` rejects with an AppError (`invalid_image`, `image_too_large`, ...) for bad input;
 * a photo without faces is a success with an empty `faces` list.
 */
export interface FaceEngine {
  readonly model: ModelInfo;
  analyze(image: Uint8Array, options?: AnalyzeOptions): Promise<FaceAnalysis>;
  /** Results come back in input order, with a per-image error instead of a rejection. */
  analyzeBatch(images: Uint8Array[], options?: AnalyzeOptions): Promise<BatchItemResult[]>;
  stats(): EngineStats;
  /** The circuit breaker's state of an engine behind one (the remote recognizer); absent in-process. */
  breakerState?(): 'closed' | 'half_open' | 'open';
  /**
   * Whether calls can succeed now: false while an engine behind a circuit breaker (the remote
   * recognizer) fails fast. Absent: always available (in process).
   */
  available?(): boolean;
  /**
   * Resolves once `available()` is true again (at once while it is). An engine behind a breaker probes
   * the service itself while someone waits, so a worker that takes no jobs still learns of the recovery.
   */
  whenAvailable?(): Promise<void>;
  close(): Promise<void>;
}

/** Something the jobs of a worker need; while it is unavailable the worker takes no job. */
export interface Availability {
  /** Named in the worker's "paused: <name> unavailable" log line. */
  readonly name: string;
  available(): boolean;
  whenAvailable(): Promise<void>;
}

/** The engine's availability for a worker; undefined for an engine that is always available. */
export function engineAvailability(engine: FaceEngine, name = 'recognizer'): Availability | undefined {
  const { available, whenAvailable } = engine;
  if (!available || !whenAvailable) return undefined;
  return { name, available: () => available.call(engine), whenAvailable: () => whenAvailable.call(engine) };
}

/**
 * The engine cannot be reached now (a remote recogniser down, its circuit breaker open). Not the
 * photo's fault: a worker gives the job back to the queue for `retryAfterMs` without counting an attempt.
 */
export class EngineUnavailableError extends AppError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    cause?: unknown,
  ) {
    super('unavailable', message, { cause, retryable: true });
    this.name = 'EngineUnavailableError';
  }
}
