import { type HealthServer, startHealthServer } from '../observability/health-server.ts';
import type { Metrics } from '../observability/metrics.ts';

/**
 * The /readyz of every role: ready by its own account, its database answers, and (given `fsReady`, see
 * fileSystemProbe) the file system answers in time.
 */
export function storeReadiness(
  isReady: () => boolean,
  store: { galleryVersion(): Promise<unknown> },
  fsReady?: () => Promise<string | null>,
): () => Promise<string | null> {
  return async () => {
    if (!isReady()) return 'not ready';
    await store.galleryVersion();
    return (await fsReady?.()) ?? null;
  };
}

/**
 * `api` and `all`: /healthz, /readyz and /metrics on METRICS_PORT as well, public, from the same
 * registry as the main server's /metrics (the same figures), so Prometheus scrapes a port the Ingress
 * never forwards while /metrics on the main port can require a token (METRICS_AUTH). Null when
 * METRICS_PORT is unset.
 */
export async function startMetricsPort(
  config: { METRICS_PORT: number | null; METRICS_HOST: string },
  metrics: Metrics,
  readiness: () => Promise<string | null>,
): Promise<HealthServer | null> {
  if (config.METRICS_PORT === null) return null;
  return startHealthServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry: metrics.registry,
    readiness,
  });
}
