/**
 * Lock-out after repeated wrong passwords: the first FREE_ATTEMPTS failures cost nothing; each further one
 * locks the account for BASE_MS doubled per extra failure, at most MAX_MS. A good login resets the count.
 */
export const FREE_ATTEMPTS = 5;
const BASE_MS = 30_000;
const MAX_MS = 15 * 60_000;

/** How long the account is locked after its `failures`-th consecutive failure (0: not locked). */
export function lockoutMs(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_MS, BASE_MS * 2 ** Math.min(20, failures - FREE_ATTEMPTS));
}
