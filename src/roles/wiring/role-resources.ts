import { Metrics } from '../../observability/metrics.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import type { FaceEngine } from '../../ports/face-engine.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Tracer } from '../../ports/tracer.ts';
import { type EngineConfig, openEngine } from './engine.ts';
import { type InfraConfig, type Infrastructure, openInfrastructure } from './infrastructure.ts';
import type { Lifecycle } from './lifecycle.ts';
import { openAverageStore } from './stores.ts';

export interface RoleResources {
  infra: Infrastructure;
  /** Null where the configured database has no average-job tables. */
  averages: AverageJobStore | null;
  metrics: Metrics;
  engine: FaceEngine;
}

export interface RoleResourceOptions {
  /**
   * The caller's adapters, left open at the stop. A process shares one SQLite connection: a second one
   * would block the event loop on a lock while the first holds a transaction across an await.
   */
  infra?: Infrastructure;
  /** An engine instead of the configured one (a test's, or the caller's). */
  engine?: FaceEngine;
  /** Leave `engine` open at the stop (the caller owns it). */
  keepEngine?: boolean;
  /** Spans of calls to the recognizer (absent: untraced). */
  tracer?: Tracer;
}

/**
 * What `all`, `api` and `worker` open first, each closed with `lifecycle`: the infrastructure, the
 * average-job store (a connection of its own), the metrics registry and the engine.
 */
export async function openRoleResources(
  lifecycle: Lifecycle,
  config: InfraConfig & EngineConfig,
  logger: Logger,
  options: RoleResourceOptions = {},
): Promise<RoleResources> {
  const infra =
    options.infra ?? lifecycle.adopt('infrastructure', await openInfrastructure(config), (i) => i.close());
  const { averages } = lifecycle.adopt('average store', await openAverageStore(config), (a) => a.close());
  // Scraped only once the engine below exists.
  const metrics = new Metrics({
    queue: infra.queue,
    images: infra.stores.images,
    engineStats: () => engine.stats(),
  });
  const engine = options.engine ?? (await openEngine(config, logger, metrics, options.tracer));
  if (!options.keepEngine) lifecycle.defer('engine', () => engine.close());
  return { infra, averages, metrics, engine };
}
