import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FirstRunSetup } from '../roles/wiring/auth.ts';
import { remindSetupLink } from './setup-reminder.ts';

describe('remindSetupLink', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(n: number, state: { needed: boolean }, expiresAt: number): FirstRunSetup {
    return {
      link: `http://127.0.0.1:3000/setup#token=t${n}`,
      expiresAt,
      stillNeeded: async () => state.needed,
      renew: async () => (state.needed ? setup(n + 1, state, Date.now() + 3_600_000) : null),
    };
  }

  it('prints the link at once, again every minute until it is used, then stops', async () => {
    const state = { needed: true };
    const lines: string[] = [];
    const reminder = remindSetupLink(setup(1, state, Date.now() + 3_600_000), (l) => lines.push(l));
    expect(lines).toEqual([
      'Open http://127.0.0.1:3000/setup#token=t1 to create the first admin account (the link works once, for 1 hour)\n',
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines).toHaveLength(3);
    expect(new Set(lines).size).toBe(1);
    state.needed = false;
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(lines).toHaveLength(3);
    reminder.stop();
  });

  it('prints a fresh link when the current one is about to expire', async () => {
    const state = { needed: true };
    const lines: string[] = [];
    const reminder = remindSetupLink(setup(1, state, Date.now() + 6.5 * 60_000), (l) => lines.push(l));
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    expect(lines.map((l) => /token=(\w+)/.exec(l)?.[1])).toEqual(['t1', 't1', 't2', 't2']);
    reminder.stop();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(lines).toHaveLength(4);
  });

  it('prints nothing when no setup is needed', () => {
    const lines: string[] = [];
    remindSetupLink(null, (l) => lines.push(l)).stop();
    expect(lines).toEqual([]);
  });
});
