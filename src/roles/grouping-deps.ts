import type { GroupingDeps } from '../app/grouping.ts';
import type { Logger } from '../ports/logger.ts';
import type { Infra } from './infra.ts';

/** Grouping of unknown faces on the infra's database, with the configured threshold and minimum. */
export function groupingDeps(
  infra: Pick<Infra, 'faceGroups' | 'events' | 'clock'>,
  config: { GROUPING_THRESHOLD: number; GROUPING_MIN_FACES: number },
  log: Logger,
): GroupingDeps {
  return {
    groups: infra.faceGroups,
    index: infra.faceGroups,
    events: infra.events,
    clock: infra.clock,
    log,
    policy: { threshold: config.GROUPING_THRESHOLD, minFaces: config.GROUPING_MIN_FACES },
  };
}
