import { Code, ConnectError } from '@connectrpc/connect';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../ports/logger.ts';

export type BreakerState = 'closed' | 'half_open' | 'open';

/**
 * Codes that say nothing about the request. `Canceled` comes back when the service goes away with the
 * call in flight (HTTP/2 stream reset with CANCEL): the caller's own timeouts surface as TaskCancelledError.
 */
const TRANSIENT = new Set([
  Code.Canceled,
  Code.Unavailable,
  Code.DeadlineExceeded,
  Code.Unknown,
  Code.Aborted,
  Code.Internal,
]);

/** A failure that says nothing about the request: the service is down, slow or unreachable. */
export function isTransient(error: unknown): boolean {
  if (error instanceof BrokenCircuitError) return false;
  if (error instanceof TaskCancelledError) return true;
  if (error instanceof ConnectError) return TRANSIENT.has(error.code);
  return !(error instanceof AppError);
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

export function breakerStateOf(state: CircuitState): BreakerState {
  return STATES[state];
}

export interface CallPolicy {
  breaker: ReturnType<typeof circuitBreaker>;
  policy: ReturnType<typeof wrap>;
}

export interface CallPolicyOptions {
  /** The service's name in log lines (`<service> circuit breaker opened`). */
  service: string;
  url: string;
  /** Longest one try may take. */
  timeoutMs: number;
  /** Consecutive failed tries that open the breaker, and how long it stays open before a probe. */
  breakerFailures: number;
  breakerOpenMs: number;
  /** Further tries of a call that failed for a transient reason, with exponential backoff. */
  retries: number;
  backoff: { initialDelay: number; maxDelay: number };
  log: Logger;
  onBreakerChange?: (state: BreakerState) => void;
}

/**
 * The policy of every call to a Connect service: a timeout per try, retries of transient failures with
 * backoff, and one consecutive-failure breaker for the service; each change of the breaker is logged
 * and reported to `onBreakerChange` (which hears `closed` at once).
 */
export function callPolicy(options: CallPolicyOptions): CallPolicy {
  const transient = handleWhen(isTransient);
  const breaker = circuitBreaker(transient, {
    halfOpenAfter: options.breakerOpenMs,
    breaker: new ConsecutiveBreaker(options.breakerFailures),
  });
  const policy = wrap(
    retry(transient, {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff(options.backoff),
    }),
    breaker,
    timeout(options.timeoutMs, TimeoutStrategy.Aggressive),
  );
  breaker.onStateChange((state) => {
    const name = STATES[state];
    const fields = { state: name, url: options.url };
    if (name === 'closed') options.log.info(fields, `${options.service} circuit breaker closed`);
    else
      options.log.warn(
        fields,
        `${options.service} circuit breaker ${name === 'open' ? 'opened' : 'half-open'}`,
      );
    options.onBreakerChange?.(name);
  });
  options.onBreakerChange?.('closed');
  return { breaker, policy };
}
