import { type AuditLog, SYSTEM_ACTOR } from '../ports/audit-log.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PrivacyStore } from '../ports/privacy-store.ts';
import { deleteBlobs } from './photo-bytes.ts';

const DAY_MS = 86_400_000;

export interface RetentionDeps {
  privacy: PrivacyStore;
  blobs: BlobStore;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  /** Photos older than this many days in which nobody is identified are deleted; null keeps them forever. */
  retentionDays: number | null;
  batchSize?: number;
}

export interface RetentionResult {
  photos: number;
  faces: number;
  jobs: number;
  blobs: number;
}

/**
 * One retention pass of the redeemer: deletes photos older than RETENTION_DAYS in which no face is
 * identified (photos without faces included), their faces and their bytes, batch by batch until none is
 * left. Logs and audits counts only.
 */
export async function purgeExpiredPhotos(deps: RetentionDeps): Promise<RetentionResult> {
  const total: RetentionResult = { photos: 0, faces: 0, jobs: 0, blobs: 0 };
  if (deps.retentionDays === null) return total;
  const cutoff = deps.clock.now() - deps.retentionDays * DAY_MS;
  const batchSize = deps.batchSize ?? 500;
  for (;;) {
    const removed = await deps.privacy.purgeUnidentifiedPhotos(cutoff, batchSize);
    total.photos += removed.photos.length;
    total.faces += removed.faces;
    total.jobs += removed.jobs;
    total.blobs += await deleteBlobs(deps, removed);
    if (removed.photos.length < batchSize) break;
  }
  if (total.photos === 0) return total;
  deps.log.info({ ...total, retentionDays: deps.retentionDays }, 'retention deleted unidentified photos');
  await deps.audit.record({
    actor: SYSTEM_ACTOR,
    action: 'retention.purged',
    target: null,
    details: { ...total, retentionDays: deps.retentionDays, createdBefore: cutoff },
  });
  return total;
}
