import { rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '../../core/errors.ts';
import type { AverageJobStore } from '../../ports/average-job-store.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Logger } from '../../ports/logger.ts';
import { isFinished } from './average-coordinator.ts';

export interface AverageDeleteDeps {
  averages: AverageJobStore;
  blobs: BlobStore;
  log: Logger;
  /** Where uploaded archives are kept (DATA_DIR/imports): only a source inside it is faceflow's to delete. */
  uploadDir: string;
}

export interface DeletedAverageJob {
  id: string;
  /** Photo blobs of the data set deleted (those that no photo and no other job still lists). */
  blobs: number;
  /** Whether the uploaded archive was deleted (false for a folder or file under IMPORT_ROOTS). */
  archive: boolean;
}

/** Whether `path` lies inside `dir` (not `dir` itself, not a sibling with the same prefix). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Deletes a finished average job: its row and chunks, the uploaded archive it was read from, and the
 * photo blobs of its data set that nothing else uses (the same bytes uploaded as a photo, or listed by
 * another job, stay). A job still preparing or running is refused (409): cancel it first, so that no
 * chunk still being worked on loses its photos. Files under IMPORT_ROOTS are never touched.
 */
export async function deleteAverageJob(deps: AverageDeleteDeps, jobId: string): Promise<DeletedAverageJob> {
  const job = await deps.averages.getJob(jobId);
  if (!job) throw new AppError('not_found', `no job ${jobId}`);
  if (!isFinished(job))
    throw new AppError(
      'conflict',
      `job ${jobId} is ${job.state}: cancel it first (POST /api/jobs/${jobId}/cancel), then delete it`,
    );
  const removed = await deps.averages.deleteFinishedJob(jobId);
  if (!removed) throw new AppError('not_found', `no job ${jobId}`);
  // After the rows are gone: a crash in between leaves unreferenced files, never a job without its photos.
  let blobs = 0;
  for (const sha256 of removed.freeBlobs) {
    try {
      await deps.blobs.delete(sha256);
      blobs++;
    } catch (error) {
      deps.log.error({ averageJob: jobId, err: String(error) }, 'a data set photo could not be deleted');
    }
  }
  let archive = false;
  if (isInside(deps.uploadDir, job.source.path)) {
    try {
      await rm(job.source.path, { force: true });
      archive = true;
    } catch (error) {
      deps.log.error({ averageJob: jobId, err: String(error) }, 'an uploaded archive could not be deleted');
    }
  }
  deps.log.info({ averageJob: jobId, blobs, archive }, 'average job deleted');
  return { id: jobId, blobs, archive };
}
