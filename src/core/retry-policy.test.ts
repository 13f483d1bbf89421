import { describe, expect, it } from 'vitest';
import { canTransition } from './image-status.ts';
import { backoffDelayMs, decideAfterFailure } from './retry-policy.ts';

const policy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 3000 };

describe('retry policy', () => {
  it('doubles the delay after each failed attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, policy))).toEqual([500, 1000, 2000, 3000, 3000]);
  });

  it('retries transient errors until the last attempt and fails permanent ones at once', () => {
    const transient = { code: 'engine_failure' as const, message: 'x', retryable: true };
    expect(decideAfterFailure(transient, 1, policy)).toEqual({ kind: 'retry', delayMs: 500 });
    expect(decideAfterFailure(transient, 3, policy)).toEqual({ kind: 'retry', delayMs: 2000 });
    expect(decideAfterFailure(transient, 4, policy)).toEqual({ kind: 'fail', reason: 'exhausted' });
    expect(decideAfterFailure({ code: 'invalid_image', message: 'x' }, 1, policy)).toEqual({
      kind: 'fail',
      reason: 'permanent',
    });
  });

  it('allows only the documented status transitions', () => {
    expect(canTransition('pending', 'processing')).toBe(true);
    expect(canTransition('processing', 'processed')).toBe(true);
    expect(canTransition('processing', 'pending')).toBe(true);
    expect(canTransition('pending', 'processed')).toBe(false);
    expect(canTransition('processed', 'failed')).toBe(false);
  });
});
