import { type RegroupResult, regroupAll } from '../app/grouping.ts';
import type { RegroupConfig } from '../config/roles.config.ts';
import { systemClock } from '../ports/clock.ts';
import { silentLogger } from '../ports/logger.ts';
import { groupingDeps } from './wiring/matching.ts';
import { openDatabase, openEventBus, openStores } from './wiring/stores.ts';

/**
 * `faceflow regroup`: the batch re-grouping on the configured database, migrating it first when needed. On
 * PostgreSQL and MySQL/MariaDB its event reaches every api process (open pages refresh); on SQLite a running server's pages
 * pick the new groups up at their next refresh.
 */
export async function regroupDatabase(config: RegroupConfig): Promise<RegroupResult> {
  const database = await openDatabase(config, { poolSize: 2 });
  try {
    const { faceGroups } = await openStores(database, systemClock);
    const bus = await openEventBus(database, {
      clock: systemClock,
      log: silentLogger,
      capacity: 10,
      pollMs: config.DATABASE_EVENTS_POLL_MS,
    });
    try {
      return await regroupAll(
        groupingDeps({ faceGroups, events: bus.events, clock: systemClock }, config, silentLogger),
      );
    } finally {
      await bus.close();
    }
  } finally {
    await database.close();
  }
}
