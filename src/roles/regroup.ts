import { SqlFaceGroupStore } from '../adapters/sql/face-groups.sql.ts';
import { type RegroupResult, regroupAll } from '../app/grouping.ts';
import type { RegroupConfig } from '../config/roles.config.ts';
import { systemClock } from '../ports/clock.ts';
import { silentLogger } from '../ports/logger.ts';
import { openDatabase } from './database.ts';

/**
 * `faceflow regroup`: the batch re-grouping on the configured database, migrating it first when needed. On
 * PostgreSQL and MySQL/MariaDB its event reaches every api process (open pages refresh); on SQLite a running server's pages
 * pick the new groups up at their next refresh.
 */
export async function regroupDatabase(config: RegroupConfig): Promise<RegroupResult> {
  const handle = await openDatabase(config.DATABASE_URL, {
    poolSize: 2,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const bus = await handle.openEvents({
    capacity: 10,
    clock: systemClock,
    log: silentLogger,
    pollMs: config.DATABASE_EVENTS_POLL_MS,
  });
  try {
    const store = new SqlFaceGroupStore(handle.db);
    return await regroupAll({
      groups: store,
      index: store,
      events: bus,
      clock: systemClock,
      log: silentLogger,
      policy: { threshold: config.GROUPING_THRESHOLD, minFaces: config.GROUPING_MIN_FACES },
    });
  } finally {
    await bus.shutdown();
    await handle.close();
  }
}
