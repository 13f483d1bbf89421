import type { ErrorCode } from '../core/errors.ts';

/** Hooks for metrics; the delivery layer plugs Prometheus counters in, tests count calls. */
export interface PipelineObserver {
  imageProcessed(seconds: number): void;
  imageFailed(code: ErrorCode): void;
  imageRetried(code: ErrorCode): void;
  /** A photo handed back to the queue untouched because the engine was unavailable. */
  imagePostponed(): void;
}

export const noopObserver: PipelineObserver = {
  imageProcessed() {},
  imageFailed() {},
  imageRetried() {},
  imagePostponed() {},
};
