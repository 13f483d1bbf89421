import { type AuditLog, SYSTEM_ACTOR } from '../ports/audit-log.ts';
import type { AverageJobStore } from '../ports/average-job-store.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { PrivacyStore } from '../ports/privacy-store.ts';
import { deleteAverageJob } from './average/average-delete.ts';
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

export interface AverageRetentionDeps extends Omit<RetentionDeps, 'privacy'> {
  /** Null where this process has no average-job store. */
  averages: AverageJobStore | null;
  /** DATA_DIR/imports, where uploaded archives are kept. */
  uploadDir: string;
}

export interface AverageRetentionResult {
  averageJobs: number;
  blobs: number;
  archives: number;
}

/**
 * The same retention for dataset averages: a job that finished (done, failed or cancelled) more than
 * RETENTION_DAYS ago is deleted as DELETE /api/jobs/:id would: its rows, its uploaded archive and the
 * photo blobs of its data set that no photo and no other job still uses. Logs and audits counts only.
 */
export async function purgeExpiredAverageJobs(deps: AverageRetentionDeps): Promise<AverageRetentionResult> {
  const total: AverageRetentionResult = { averageJobs: 0, blobs: 0, archives: 0 };
  if (deps.retentionDays === null || !deps.averages) return total;
  const averages = deps.averages;
  const cutoff = deps.clock.now() - deps.retentionDays * DAY_MS;
  const batchSize = deps.batchSize ?? 100;
  for (;;) {
    const ids = await averages.finishedJobsBefore(cutoff, batchSize);
    for (const id of ids) {
      const deleted = await deleteAverageJob({ ...deps, averages }, id).catch((error: unknown) => {
        deps.log.warn({ averageJob: id, err: String(error) }, 'retention could not delete an average job');
        return null;
      });
      if (!deleted) continue;
      total.averageJobs++;
      total.blobs += deleted.blobs;
      if (deleted.archive) total.archives++;
    }
    if (ids.length < batchSize || total.averageJobs === 0) break;
  }
  if (total.averageJobs === 0) return total;
  deps.log.info({ ...total, retentionDays: deps.retentionDays }, 'retention deleted finished average jobs');
  await deps.audit.record({
    actor: SYSTEM_ACTOR,
    action: 'retention.purged_average_jobs',
    target: null,
    details: { ...total, retentionDays: deps.retentionDays, finishedBefore: cutoff },
  });
  return total;
}
