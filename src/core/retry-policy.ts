import type { ErrorInfo } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included; after the last one a photo is `failed`. */
  maxAttempts: number;
  /** Delay before the second attempt; each further attempt doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
};

/** Exponential backoff: the delay after the `attempt`-th failed attempt (1-based). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy): number {
  const exponent = Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
}

export type FailureDecision =
  | { kind: 'retry'; delayMs: number }
  | { kind: 'fail'; reason: 'permanent' | 'exhausted' };

/**
 * What to do after attempt number `attempts` (1-based) failed with `error`: retry transient
 * errors with exponential backoff until `maxAttempts`, fail permanent ones at once.
 */
export function decideAfterFailure(error: ErrorInfo, attempts: number, policy: RetryPolicy): FailureDecision {
  if (error.retryable !== true) return { kind: 'fail', reason: 'permanent' };
  if (attempts >= policy.maxAttempts) return { kind: 'fail', reason: 'exhausted' };
  return { kind: 'retry', delayMs: backoffDelayMs(attempts, policy) };
}
