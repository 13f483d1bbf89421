import { fileSystemProbe } from '../../observability/fs-probe.ts';
import { startHealthServer } from '../../observability/health-server.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Lifecycle } from './lifecycle.ts';

/** A role's own account of readiness: off until everything started, off again first thing at a stop. */
export class ReadyFlag {
  private ready = false;
  readonly isReady = (): boolean => this.ready;

  /** Ready from now on; the stop of `lifecycle` turns it off before it closes anything. */
  set(lifecycle: Lifecycle): void {
    this.ready = true;
    lifecycle.defer('readiness', () => {
      this.ready = false;
    });
  }
}

/**
 * The /readyz of every role with a database: ready by its own account, its database answers, and (given
 * `dataDir`, where photos are read and written) the file system answers in time (see fileSystemProbe).
 */
export function storeReadiness(
  isReady: () => boolean,
  store: { galleryVersion(): Promise<unknown> },
  dataDir?: string,
): () => Promise<string | null> {
  const fsReady = dataDir === undefined ? null : fileSystemProbe(dataDir);
  return async () => {
    if (!isReady()) return 'not ready';
    await store.galleryVersion();
    return (await fsReady?.()) ?? null;
  };
}

/**
 * /healthz, /readyz and /metrics on METRICS_PORT, from the registry of `metrics`; closed with `lifecycle`.
 * For api and all a port of their own, public, so Prometheus scrapes a port the Ingress never forwards
 * while /metrics on the main port can require a token (METRICS_AUTH); none when METRICS_PORT is unset
 * (null). Returns the server's URL.
 */
export function serveHealth(
  lifecycle: Lifecycle,
  config: { METRICS_PORT: number; METRICS_HOST: string },
  metrics: Metrics,
  readiness: () => Promise<string | null>,
): Promise<string>;
export function serveHealth(
  lifecycle: Lifecycle,
  config: { METRICS_PORT: number | null; METRICS_HOST: string },
  metrics: Metrics,
  readiness: () => Promise<string | null>,
): Promise<string | null>;
export async function serveHealth(
  lifecycle: Lifecycle,
  config: { METRICS_PORT: number | null; METRICS_HOST: string },
  metrics: Metrics,
  readiness: () => Promise<string | null>,
): Promise<string | null> {
  if (config.METRICS_PORT === null) return null;
  const server = await startHealthServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry: metrics.registry,
    readiness,
  });
  lifecycle.defer('health server', () => server.close());
  return server.url;
}
