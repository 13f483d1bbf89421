import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, fromErrorInfo } from '../../core/errors.ts';
import type { FaceAnalysis, ModelInfo } from '../../core/face.ts';
import type {
  AnalyzeOptions,
  BatchItemResult,
  EnginePriority,
  EngineStats,
  FaceEngine,
} from '../../ports/face-engine.ts';
import { type AnalyzerOptions, DEFAULT_ANALYZER_OPTIONS, type StageTimings } from '../face-analyzer.ts';
import type { EngineRuntimeChoice, EngineRuntimeKind } from '../runtime/engine-runtime.ts';
import type { AnalyzeTask, ThreadData, ThreadReply } from './messages.ts';

export interface EnginePoolOptions {
  /** Worker threads, each with its own WASM backend. Default: the number of CPU cores. */
  threads?: number;
  analyzer?: AnalyzerOptions;
  /** Where the networks run (ENGINE_RUNTIME, ADR 0011). Default: `auto`, ONNX Runtime when it loads. */
  runtime?: EngineRuntimeChoice;
}

interface Pending {
  id: number;
  bytes: Uint8Array;
  crops: boolean;
  resolve: (analysis: FaceAnalysis) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  current: Pending | null;
  /** The thread's WASM heap as of its last reply. */
  wasmHeapBytes: number;
}

/** Cumulative per-stage time across every photo the pool has analysed. */
export interface StageTotals extends StageTimings {
  images: number;
  faces: number;
}

const BOOT_URL = new URL('./engine-thread.boot.mjs', import.meta.url);

/**
 * The face engine as a pool of worker threads. Each thread runs one photo at a time; queued work
 * waits in two lanes and an `interactive` task is always handed to the next free thread before any
 * `batch` task, so a webcam frame or POST /api/identify never waits behind a whole batch.
 */
export class EnginePool implements FaceEngine {
  private readonly slots: Slot[] = [];
  private readonly lanes: Record<EnginePriority, Pending[]> = { interactive: [], batch: [] };
  private nextId = 1;
  private closed = false;
  private modelInfo: ModelInfo | undefined;
  private runtimeKind: EngineRuntimeKind | undefined;
  private fallback: string | undefined;
  private readonly totals: StageTotals = {
    images: 0,
    faces: 0,
    decode: 0,
    detect: 0,
    landmarks: 0,
    embed: 0,
  };

  private constructor(private readonly threadData: ThreadData) {}

  /** Starts the threads and resolves once every one has loaded its models. */
  static async start(options: EnginePoolOptions = {}): Promise<EnginePool> {
    const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    const pool = new EnginePool({
      options: options.analyzer ?? DEFAULT_ANALYZER_OPTIONS,
      runtime: options.runtime ?? 'auto',
    });
    try {
      await Promise.all(Array.from({ length: threads }, () => pool.spawn()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get model(): ModelInfo {
    if (!this.modelInfo) throw new AppError('unavailable', 'the engine has not started');
    return this.modelInfo;
  }

  /** The runtime the threads run the networks on, and why `auto` fell back to WASM if it did. */
  get runtime(): { kind: EngineRuntimeKind; fallbackReason?: string } {
    if (!this.runtimeKind) throw new AppError('unavailable', 'the engine has not started');
    return this.fallback
      ? { kind: this.runtimeKind, fallbackReason: this.fallback }
      : { kind: this.runtimeKind };
  }

  analyze(image: Uint8Array, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    if (this.closed) return Promise.reject(new AppError('unavailable', 'the engine is closed'));
    return new Promise((resolve, reject) => {
      // Copy into a buffer of our own so it can be transferred (the caller's may be shared or pooled).
      const bytes = new Uint8Array(image.byteLength);
      bytes.set(image);
      const task: Pending = { id: this.nextId++, bytes, crops: options.crops ?? false, resolve, reject };
      this.lanes[options.priority ?? 'batch'].push(task);
      this.dispatch();
    });
  }

  async analyzeBatch(images: Uint8Array[], options: AnalyzeOptions = {}): Promise<BatchItemResult[]> {
    return Promise.all(
      images.map((image) =>
        this.analyze(image, options).then(
          (analysis): BatchItemResult => ({ ok: true, analysis }),
          (error: unknown): BatchItemResult => ({
            ok: false,
            error:
              error instanceof AppError
                ? { code: error.code, message: error.message, retryable: error.retryable }
                : { code: 'engine_failure', message: String(error), retryable: true },
          }),
        ),
      ),
    );
  }

  stats(): EngineStats {
    return {
      threads: this.slots.length,
      busy: this.slots.filter((s) => s.current !== null).length,
      queuedInteractive: this.lanes.interactive.length,
      queuedBatch: this.lanes.batch.length,
      wasmHeapBytes: this.slots.reduce((sum, s) => sum + s.wasmHeapBytes, 0),
      ...(this.runtimeKind ? { runtime: this.runtimeKind } : {}),
    };
  }

  stageTotals(): StageTotals {
    return { ...this.totals };
  }

  async close(): Promise<void> {
    this.closed = true;
    const gone = new AppError('unavailable', 'the engine was closed');
    for (const lane of Object.values(this.lanes)) for (const task of lane.splice(0)) task.reject(gone);
    await Promise.all(
      this.slots.splice(0).map(async (slot) => {
        slot.current?.reject(gone);
        slot.current = null;
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(BOOT_URL, {
        workerData: this.threadData,
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      const slot: Slot = { worker, ready: false, current: null, wasmHeapBytes: 0 };
      this.slots.push(slot);
      worker.on('message', (message: ThreadReply) => {
        if ('wasmHeapBytes' in message) slot.wasmHeapBytes = message.wasmHeapBytes;
        switch (message.type) {
          case 'ready':
            this.modelInfo = message.model;
            this.runtimeKind = message.runtime;
            this.fallback = message.fallbackReason;
            slot.ready = true;
            resolve();
            this.dispatch();
            return;
          case 'init-failed':
            reject(fromErrorInfo(message.error));
            return;
          case 'result': {
            const task = this.finish(slot, message.id);
            this.totals.images++;
            this.totals.faces += message.analysis.faces.length;
            for (const stage of ['decode', 'detect', 'landmarks', 'embed'] as const)
              this.totals[stage] += message.timings[stage];
            task?.resolve(message.analysis);
            return;
          }
          case 'error':
            this.finish(slot, message.id)?.reject(fromErrorInfo(message.error));
            return;
        }
      });
      worker.on('error', (error) => {
        if (!slot.ready)
          reject(new AppError('engine_failure', `engine thread failed to start: ${error.message}`));
        this.replace(slot, error);
      });
      worker.on('exit', (code) => {
        if (!this.closed && this.slots.includes(slot))
          this.replace(slot, new Error(`engine thread exited with code ${code}`));
      });
    });
  }

  private finish(slot: Slot, id: number): Pending | null {
    const task = slot.current;
    if (!task || task.id !== id) return null;
    slot.current = null;
    this.dispatch();
    return task;
  }

  /** A thread died: fail its photo as retryable and start a fresh thread in its place. */
  private replace(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    slot.current?.reject(
      new AppError('engine_failure', `engine thread crashed: ${error.message}`, {
        retryable: true,
        cause: error,
      }),
    );
    slot.current = null;
    if (!this.closed && slot.ready) this.spawn().catch(() => undefined);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.current) continue;
      const task = this.lanes.interactive.shift() ?? this.lanes.batch.shift();
      if (!task) return;
      slot.current = task;
      const message: AnalyzeTask = { type: 'analyze', id: task.id, bytes: task.bytes, crops: task.crops };
      slot.worker.postMessage(message, [task.bytes.buffer as ArrayBuffer]);
    }
  }
}
