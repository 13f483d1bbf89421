import { Redis } from 'ioredis';
import type { OpenSharedRateCounters } from '../../ports/rate-limit-counters.ts';

/**
 * The Redis that several api replicas count their rate limits in (REDIS_URL). It never queues a command
 * while it is unreachable: the limits then let requests through (the plugin skips on error), and one
 * warning says so until the connection is back.
 */
export const openRateLimitRedis: OpenSharedRateCounters = (url, log) => {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false });
  let failing = false;
  redis.on('error', (error: Error) => {
    if (failing) return;
    failing = true;
    log.warn(
      { err: error.message },
      'rate limits: Redis unreachable, requests pass unlimited until it is back',
    );
  });
  redis.on('ready', () => {
    if (failing) log.info({}, 'rate limits: Redis reachable again');
    failing = false;
  });
  return {
    client: redis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
};
