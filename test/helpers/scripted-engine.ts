import { createHash } from 'node:crypto';
import { AppError } from '../../src/core/errors.ts';
import type { FaceAnalysis, ModelInfo } from '../../src/core/face.ts';
import type {
  AnalyzeOptions,
  BatchItemResult,
  EngineStats,
  FaceEngine,
} from '../../src/ports/face-engine.ts';

export const TEST_MODEL: ModelInfo = { name: 'scripted', version: '1', dimensions: 4, threshold: 0.5 };

/** One face whose embedding is the unit vector along `axis` (0..3), nudged by `jitter`. */
export function faceAlong(axis: number, jitter = 0) {
  const embedding = new Float32Array(4);
  embedding[axis] = 1;
  embedding[(axis + 1) % 4] = jitter;
  const norm = Math.hypot(...embedding);
  for (let i = 0; i < 4; i++) embedding[i] = (embedding[i] as number) / norm;
  return {
    box: { top: 10, right: 60, bottom: 60, left: 10 },
    score: 0.99,
    landmarks: [{ x: 20, y: 20 }],
    embedding,
    quality: { size: 50, eyeDistance: 20, roll: 0, verdict: 'good' as const },
  };
}

export type Script = (bytes: Uint8Array, call: number) => FaceAnalysis['faces'] | Error;

/**
 * A FaceEngine test double driven by a script: the faces to return, or an error to throw, per photo.
 * Counts calls per photo (by sha256), so tests can prove a photo was analysed exactly once.
 */
export class ScriptedEngine implements FaceEngine {
  readonly model = TEST_MODEL;
  readonly calls = new Map<string, number>();
  busy = 0;

  constructor(
    private readonly script: Script,
    private readonly delayMs = 0,
  ) {}

  async analyze(image: Uint8Array, _options?: AnalyzeOptions): Promise<FaceAnalysis> {
    const key = createHash('sha256').update(image).digest('hex');
    const call = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, call);
    this.busy++;
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const out = this.script(image, call);
      if (out instanceof Error) throw out;
      return { width: 100, height: 100, faces: out, model: this.model };
    } finally {
      this.busy--;
    }
  }

  async analyzeBatch(images: Uint8Array[], options?: AnalyzeOptions): Promise<BatchItemResult[]> {
    return Promise.all(
      images.map(async (image) => {
        try {
          return { ok: true as const, analysis: await this.analyze(image, options) };
        } catch (error) {
          const e = error instanceof AppError ? error : new AppError('internal', String(error));
          return { ok: false as const, error: { code: e.code, message: e.message, retryable: e.retryable } };
        }
      }),
    );
  }

  stats(): EngineStats {
    return { threads: 1, busy: this.busy, queuedInteractive: 0, queuedBatch: 0 };
  }

  async close(): Promise<void> {}
}
