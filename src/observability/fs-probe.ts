import { readdir } from 'node:fs/promises';

/** How long /readyz waits for the file system before it answers 503. */
export const FS_PROBE_TIMEOUT_MS = 1500;

const LATE = Symbol('late');

/**
 * A readiness check that the process can still do file-system work: it lists DATA_DIR (photos are read
 * and written there) and fails when that does not finish within `timeoutMs`. Node runs file-system calls
 * on libuv's small thread pool (4 threads, shared with sharp and DNS lookups): when those threads are all
 * stuck (a hung network volume, a blocked open), uploads and thumbnails hang while the event loop, and so
 * a /readyz answered from it alone, looks healthy. A probe still running from an earlier check is not
 * started again (they would pile up in the queue they test); its age is the answer.
 * Returns null when the file system answered, else the reason for 503.
 */
export function fileSystemProbe(
  dir: string,
  options: { timeoutMs?: number; probe?: (dir: string) => Promise<unknown> } = {},
): () => Promise<string | null> {
  const timeoutMs = options.timeoutMs ?? FS_PROBE_TIMEOUT_MS;
  const probe = options.probe ?? ((d: string) => readdir(d));
  let pending: { since: number; done: Promise<string | null> } | null = null;
  return async () => {
    if (!pending) {
      const since = Date.now();
      const done = probe(dir).then(
        () => null,
        (error: unknown) =>
          `the data folder cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
      const current = { since, done };
      pending = current;
      void done.finally(() => {
        if (pending === current) pending = null;
      });
    }
    const { since, done } = pending;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof LATE>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, since + timeoutMs - Date.now()), LATE);
    });
    try {
      const outcome = await Promise.race([done, late]);
      if (outcome !== LATE) return outcome;
      return `the file system does not answer: listing the data folder has taken over ${Date.now() - since} ms (thread pool busy or disk stuck)`;
    } finally {
      clearTimeout(timer);
    }
  };
}
