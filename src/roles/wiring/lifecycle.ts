import type { Logger } from '../../ports/logger.ts';

type Closer = () => unknown;

/**
 * What a process opened, closed in the reverse order: each piece registers how to close it as soon as it
 * is open, so a start-up that fails half way closes exactly what it had opened, and a stop closes the HTTP
 * server before the engine it calls and the database it reads.
 */
export class Lifecycle {
  private readonly closers: { name: string; close: Closer }[] = [];
  private closing: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly log: Logger) {}

  /** Registers how to close something just opened: it is closed before everything registered earlier. */
  defer(name: string, close: Closer): void {
    // Opened after the stop finished (a start-up that went on): closed at once.
    if (this.closed) void this.closeOne({ name, close });
    else this.closers.push({ name, close });
  }

  /** `thing`, with how to close it registered (see `defer`). */
  adopt<T>(name: string, thing: T, close: (thing: T) => unknown): T {
    this.defer(name, () => close(thing));
    return thing;
  }

  /**
   * Closes everything in reverse order, once: a later call gets the same promise. A closer that fails is
   * logged and the ones after it still run, so one broken connection does not leave the others open.
   */
  close(): Promise<void> {
    this.closing ??= this.closeRest();
    return this.closing;
  }

  /** Runs `open`; when it throws, closes what was opened so far and rethrows the start-up error. */
  async run<T>(open: () => Promise<T>): Promise<T> {
    try {
      return await open();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private async closeRest(): Promise<void> {
    for (let next = this.closers.pop(); next; next = this.closers.pop()) await this.closeOne(next);
    this.closed = true;
  }

  private async closeOne(closer: { name: string; close: Closer }): Promise<void> {
    try {
      await closer.close();
    } catch (error) {
      this.log.warn({ closing: closer.name, err: String(error) }, 'closing failed');
    }
  }
}

/** What `closeOnSignal` listens on: `process`, or an emitter standing in for it in a test. */
export interface SignalSource {
  once(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface SignalOptions {
  /** Default: SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Longest the stop may take (default SHUTDOWN_DEADLINE_MS); then `onDeadline`. */
  deadlineMs?: number;
  /** Default: says so on stderr and ends the process with status 1. */
  onDeadline?: (signal: NodeJS.Signals, deadlineMs: number) => void;
  source?: SignalSource;
}

/**
 * How long a stop may take: the worker's drain (10 s) and the closing of connections, within the
 * 30 s Kubernetes gives a pod between SIGTERM and SIGKILL.
 */
export const SHUTDOWN_DEADLINE_MS = 25_000;

/**
 * Waits for the first of `signals`, runs `close` once and resolves with the signal when it finished. Its
 * listeners go at the first signal, so a second one has the default effect (the process ends at once);
 * a stop that outlasts the deadline is cut short by `onDeadline`.
 */
export function closeOnSignal(
  close: () => Promise<void>,
  options: SignalOptions = {},
): Promise<NodeJS.Signals> {
  const source = options.source ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const onDeadline = options.onDeadline ?? exitAfterDeadline;
  return new Promise<NodeJS.Signals>((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      for (const s of signals) source.off(s, on);
      resolve(signal);
    };
    for (const s of signals) source.once(s, on);
  }).then(async (signal) => {
    const deadlineMs = options.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
    const timer = setTimeout(() => onDeadline(signal, deadlineMs), deadlineMs);
    timer.unref();
    try {
      await close();
    } finally {
      clearTimeout(timer);
    }
    return signal;
  });
}

function exitAfterDeadline(signal: NodeJS.Signals, deadlineMs: number): never {
  process.stderr.write(
    `faceflow: still stopping ${deadlineMs} ms after ${signal}; exiting without waiting\n`,
  );
  process.exit(1);
}
