import { Code, ConnectError } from '@connectrpc/connect';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { isTransient } from './face-engine.connect.ts';

describe('which recognizer failures are transient (postpone the photo, count towards the breaker)', () => {
  it('the recognizer going away mid-call (stream reset with CANCEL) is transient, not the photo failing', () => {
    expect(
      isTransient(new ConnectError('http/2 stream closed with error code CANCEL (0x8)', Code.Canceled)),
    ).toBe(true);
  });

  it('unreachable, overloaded or timed-out recognizers are transient', () => {
    for (const code of [Code.Unavailable, Code.DeadlineExceeded, Code.Unknown, Code.Aborted, Code.Internal])
      expect(isTransient(new ConnectError('down', code))).toBe(true);
    expect(isTransient(new TaskCancelledError())).toBe(true);
  });

  it("the photo's own faults and an open breaker are not", () => {
    expect(isTransient(new ConnectError('not an image', Code.InvalidArgument))).toBe(false);
    expect(isTransient(new ConnectError('bad secret', Code.Unauthenticated))).toBe(false);
    expect(isTransient(new AppError('invalid_input', 'not an image'))).toBe(false);
    expect(isTransient(new BrokenCircuitError())).toBe(false);
  });
});
