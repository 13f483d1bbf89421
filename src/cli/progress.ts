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
