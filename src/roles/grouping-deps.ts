import type { SuggestedPeopleDeps } from '../app/people-corrections.ts';
import type { Logger } from '../ports/logger.ts';
import type { Infra } from './infra.ts';

/** Grouping of unknown faces on the infra's database, with the configured threshold and minimum. */
export function groupingDeps(
  infra: Pick<Infra, 'faceGroups' | 'events' | 'clock'>,
  config: { GROUPING_THRESHOLD: number; GROUPING_MIN_FACES: number },
  log: Logger,
): SuggestedPeopleDeps {
  return {
    groups: infra.faceGroups.groups,
    index: infra.faceGroups.groups,
    summaries: infra.faceGroups.summaries,
    corrections: infra.faceGroups.corrections,
    events: infra.events,
    clock: infra.clock,
    log,
    policy: { threshold: config.GROUPING_THRESHOLD, minFaces: config.GROUPING_MIN_FACES },
  };
}
