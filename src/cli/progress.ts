import cliProgress from 'cli-progress';

export interface Progress {
  tick(done: number, total: number): void;
  stop(): void;
}

/** A progress bar with ETA on stderr, only when stderr is a terminal and output is not --json. */
export function createProgress(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% {value}/{total} | ETA {eta_formatted} | {rate}/s`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const startedAt = Date.now();
  return {
    tick(done, total) {
      if (!started) {
        bar.start(total, 0, { rate: '0.0' });
        started = true;
      }
      const seconds = (Date.now() - startedAt) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0.0' });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A download's progress bar (bytes, speed, ETA) on stderr, on the same terms as `createProgress`. */
export function createByteProgress(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% {done} of {size} | ETA {eta_formatted} | {speed}/s`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  const startedAt = Date.now();
  return {
    /** `total` 0: the server did not say the size. */
    tick(done, total) {
      if (stopped) return;
      const size = total > 0 ? total : Math.max(done, 1);
      const payload = {
        done: megabytes(done),
        size: total > 0 ? megabytes(total) : '?',
        speed: megabytes(done / Math.max(0.001, (Date.now() - startedAt) / 1000)),
      };
      if (!started) {
        bar.start(size, done, payload);
        started = true;
      } else {
        bar.setTotal(size);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
