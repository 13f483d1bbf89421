/**
 * Where several api replicas count their rate limits together (REDIS_URL). The HTTP layer hands `client`
 * to its rate limiter untouched, so this port names no driver: the adapter (adapters/redis) opens it.
 */
export interface SharedRateCounters {
  /** The client the rate limiter's Redis store drives (an ioredis instance). */
  readonly client: unknown;
  close(): Promise<void>;
}

/** Opens the shared counters at `url`; `log` hears when they become unreachable and when they are back. */
export type OpenSharedRateCounters = (
  url: string,
  log: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void },
) => SharedRateCounters;
