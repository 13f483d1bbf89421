import type { Kysely } from 'kysely';
import type { Clock } from '../../ports/clock.ts';
import type { FaceGroupStores } from '../../ports/face-groups.ts';
import type { PhotoStores } from '../../ports/photo-stores.ts';
import { SqlAuditLog } from './audit-log.sql.ts';
import { SqlEnrolmentStore } from './enrolment.sql.ts';
import { SqlFaceGroupStore } from './face-groups.sql.ts';
import { SqlGalleryStore } from './gallery.sql.ts';
import { SqlImageLeases } from './image-leases.sql.ts';
import { SqlImageRecovery } from './image-recovery.sql.ts';
import { SqlImageCatalog } from './images.sql.ts';
import { type OutboxRelayer, SqlOutbox } from './outbox.sql.ts';
import { SqlPeopleStore } from './people.sql.ts';
import { SqlPeopleCorrections } from './people-corrections.sql.ts';
import { SqlPeopleSummaries } from './people-summaries.sql.ts';
import { SqlPrivacyStore } from './privacy-store.sql.ts';
import type { Database } from './schema.ts';
import { SqlUserStore } from './user-store.sql.ts';
import { SqlWorkerHeartbeats } from './worker-heartbeats.sql.ts';

export interface SqlStoreOptions {
  /** How the outbox is relayed; absent: take then delete, without row locks (SQLite). */
  relayer?: OutboxRelayer;
}

/** Every store on one database connection. */
export interface SqlStores extends PhotoStores {
  privacy: SqlPrivacyStore;
  users: SqlUserStore;
  audit: SqlAuditLog;
  heartbeats: SqlWorkerHeartbeats;
  faceGroups: FaceGroupStores;
}

/** The photo stores only (tests and tools that need no clock). */
export function sqlPhotoStores(db: Kysely<Database>, options: SqlStoreOptions = {}): PhotoStores {
  return {
    images: new SqlImageCatalog(db),
    leases: new SqlImageLeases(db),
    recovery: new SqlImageRecovery(db),
    people: new SqlPeopleStore(db),
    enrolment: new SqlEnrolmentStore(db),
    gallery: new SqlGalleryStore(db),
    outbox: new SqlOutbox(db, options.relayer),
  };
}

/** Suggested people, the People page's summaries and corrections. */
export function sqlFaceGroupStores(db: Kysely<Database>): FaceGroupStores {
  return {
    groups: new SqlFaceGroupStore(db),
    summaries: new SqlPeopleSummaries(db),
    corrections: new SqlPeopleCorrections(db),
  };
}

/**
 * The composition point of the SQL adapters: the small stores on one Kysely instance (SQLite or
 * PostgreSQL; a dialect differs only in what `options` passes).
 */
export function sqlStores(db: Kysely<Database>, clock: Clock, options: SqlStoreOptions = {}): SqlStores {
  return {
    ...sqlPhotoStores(db, options),
    privacy: new SqlPrivacyStore(db),
    users: new SqlUserStore(db),
    audit: new SqlAuditLog(db, clock),
    heartbeats: new SqlWorkerHeartbeats(db),
    faceGroups: sqlFaceGroupStores(db),
  };
}
