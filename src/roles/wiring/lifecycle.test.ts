import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../ports/logger.ts';
import { closeOnSignal, Lifecycle } from './lifecycle.ts';

function recordingLogger() {
  const warnings: { obj: object; msg?: string }[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }),
    error: () => {},
    child: () => log,
  };
  return { log, warnings };
}

describe('Lifecycle', () => {
  it('closes in the reverse order of registration, awaiting each before the next', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    const closed: string[] = [];
    for (const name of ['database', 'engine', 'http server'])
      lifecycle.defer(name, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        closed.push(name);
      });
    await lifecycle.close();
    expect(closed).toEqual(['http server', 'engine', 'database']);
  });

  it('closes once: a second call gets the same promise and closes nothing again', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    let closes = 0;
    lifecycle.defer('queue', () => {
      closes++;
    });
    const first = lifecycle.close();
    expect(lifecycle.close()).toBe(first);
    await first;
    await lifecycle.close();
    expect(closes).toBe(1);
  });

  it('logs a closer that fails and still closes the ones registered before it', async () => {
    const { log, warnings } = recordingLogger();
    const lifecycle = new Lifecycle(log);
    const closed: string[] = [];
    lifecycle.defer('database', () => void closed.push('database'));
    lifecycle.defer('queue', () => Promise.reject(new Error('connection reset')));
    lifecycle.defer('http server', () => {
      throw new Error('not listening');
    });
    await expect(lifecycle.close()).resolves.toBeUndefined();
    expect(closed).toEqual(['database']);
    expect(warnings).toEqual([
      { obj: { closing: 'http server', err: 'Error: not listening' }, msg: 'closing failed' },
      { obj: { closing: 'queue', err: 'Error: connection reset' }, msg: 'closing failed' },
    ]);
  });

  it('adopt returns the thing and registers its closer', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    const handle = { open: true };
    const same = lifecycle.adopt('handle', handle, (h) => {
      h.open = false;
    });
    expect(same).toBe(handle);
    await lifecycle.close();
    expect(handle.open).toBe(false);
  });

  it('a start-up that fails closes what it opened so far and rethrows its own error', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    const closed: string[] = [];
    const started = lifecycle.run(async () => {
      lifecycle.defer('database', () => void closed.push('database'));
      lifecycle.defer('engine', () => void closed.push('engine'));
      throw new Error('port 3000 in use');
    });
    await expect(started).rejects.toThrow('port 3000 in use');
    expect(closed).toEqual(['engine', 'database']);
  });

  it('a start-up that succeeds closes nothing', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    let closed = false;
    const value = await lifecycle.run(async () => {
      lifecycle.defer('database', () => {
        closed = true;
      });
      return 42;
    });
    expect(value).toBe(42);
    expect(closed).toBe(false);
  });

  it('closes at once what is registered after the stop finished', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    await lifecycle.close();
    let closed = false;
    lifecycle.defer('late timer', () => {
      closed = true;
    });
    await Promise.resolve();
    expect(closed).toBe(true);
  });

  it('closes what is registered while the stop is under way, in the same pass', async () => {
    const lifecycle = new Lifecycle(recordingLogger().log);
    const closed: string[] = [];
    lifecycle.defer('database', () => void closed.push('database'));
    lifecycle.defer('worker', async () => {
      lifecycle.defer('late', () => void closed.push('late'));
      closed.push('worker');
    });
    await lifecycle.close();
    expect(closed).toEqual(['worker', 'late', 'database']);
  });
});

describe('closeOnSignal', () => {
  it('closes once at the first signal, stops listening, and resolves with the signal', async () => {
    const source = new EventEmitter();
    let closes = 0;
    const done = closeOnSignal(
      async () => {
        closes++;
      },
      { source },
    );
    expect(source.listenerCount('SIGTERM')).toBe(1);
    expect(source.listenerCount('SIGINT')).toBe(1);
    source.emit('SIGINT', 'SIGINT');
    await expect(done).resolves.toBe('SIGINT');
    expect(closes).toBe(1);
    // A second signal finds no listener here: the process's default (end at once) applies.
    expect(source.listenerCount('SIGTERM')).toBe(0);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });

  it('calls onDeadline when the stop outlasts the deadline, and not when it is quick', async () => {
    const source = new EventEmitter();
    const late: [string, number][] = [];
    const slow = closeOnSignal(() => new Promise((resolve) => setTimeout(resolve, 100)), {
      source,
      deadlineMs: 20,
      onDeadline: (signal, deadlineMs) => late.push([signal, deadlineMs]),
    });
    source.emit('SIGTERM', 'SIGTERM');
    await slow;
    expect(late).toEqual([['SIGTERM', 20]]);

    const quick = closeOnSignal(async () => {}, {
      source,
      deadlineMs: 20,
      onDeadline: (signal, deadlineMs) => late.push([signal, deadlineMs]),
    });
    source.emit('SIGTERM', 'SIGTERM');
    await quick;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(late).toHaveLength(1);
  });

  it('passes a failed stop on to the caller', async () => {
    const source = new EventEmitter();
    const done = closeOnSignal(() => Promise.reject(new Error('drain failed')), { source, deadlineMs: 1000 });
    source.emit('SIGTERM', 'SIGTERM');
    await expect(done).rejects.toThrow('drain failed');
  });

  it('listens only on the signals it is given', () => {
    const source = new EventEmitter();
    void closeOnSignal(async () => {}, { source, signals: ['SIGHUP'] });
    expect(source.listenerCount('SIGHUP')).toBe(1);
    expect(source.listenerCount('SIGTERM')).toBe(0);
  });
});
