import type { FirstRunSetup } from '../roles/wiring/auth.ts';

/** How often the setup link is printed again while nobody has used it. */
export const SETUP_REMINDER_MS = 60_000;
/** A link is replaced by a fresh one this long before its token expires. */
const RENEW_BEFORE_MS = 5 * 60_000;

export function setupLinkLine(link: string): string {
  return `Open ${link} to create the first admin account (the link works once, for 1 hour)\n`;
}

/**
 * First run: prints the setup link now (the last start-up line) and again every `everyMs` until someone has
 * used it, so it never scrolls away unseen; a link about to expire is replaced by a fresh one. Stops by
 * itself once a user exists; `stop()` ends it at shutdown. The timer never keeps the process alive.
 */
export function remindSetupLink(
  setup: FirstRunSetup | null,
  print: (line: string) => void,
  options: { everyMs?: number; now?: () => number } = {},
): { stop(): void } {
  if (!setup) return { stop() {} };
  const now = options.now ?? Date.now;
  let current = setup;
  let stopped = false;
  print(setupLinkLine(current.link));
  const timer = setInterval(async () => {
    try {
      if (!(await current.stillNeeded())) return stop();
      if (current.expiresAt - now() < RENEW_BEFORE_MS) {
        const fresh = await current.renew();
        if (!fresh) return stop();
        current = fresh;
      }
      if (!stopped) print(setupLinkLine(current.link));
    } catch {
      // The store did not answer this time (shutting down, a restart): try again at the next tick.
    }
  }, options.everyMs ?? SETUP_REMINDER_MS);
  timer.unref();
  function stop() {
    stopped = true;
    clearInterval(timer);
  }
  return { stop };
}
