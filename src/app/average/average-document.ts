import { AppError } from '../../core/errors.ts';
import type { AverageJobRecord } from '../../ports/average-job-store.ts';
import type { DownloadProgress } from '../../ports/dataset-download.ts';
import { averageProgress } from './average-coordinator.ts';
import { downloadEtaSeconds } from './download-board.ts';

/** The result document (`--json`, `--out`, GET /api/jobs/:id/result.json): vectors, counts, model, timing. */
export function averageResultDocument(job: AverageJobRecord) {
  const result = job.result;
  if (!result) throw new AppError('conflict', `average job ${job.id} has no result (it is ${job.state})`);
  return {
    jobId: job.id,
    source: job.source.label,
    options: job.options,
    model: result.model,
    counts: { ...result.counts, rejected: job.rejected.length },
    stats: result.stats,
    mean: result.mean,
    normalizedMean: result.normalizedMean,
    std: result.std,
    skippedEntries: result.skippedEntries,
    rejectedEntries: job.rejected,
  };
}

/**
 * A job as the API shows it: state, progress with photos/s and ETA, the download of a URL data set
 * while it runs (in the process that downloads it), and the result once there is one.
 */
export function averageJobView(job: AverageJobRecord, now: number, download: DownloadProgress | null = null) {
  return {
    id: job.id,
    kind: 'average' as const,
    state: job.state,
    source: job.source.label,
    options: job.options,
    progress: averageProgress(job, now),
    download:
      download === null
        ? null
        : {
            bytes: download.bytes,
            totalBytes: download.totalBytes,
            bytesPerSecond: download.bytesPerSecond,
            etaSeconds: downloadEtaSeconds(download),
            complete: download.complete,
          },
    rejected: job.rejected,
    error: job.error ? { code: job.error.code, message: job.error.message } : null,
    result: job.result ? averageResultDocument(job) : null,
    createdAt: new Date(job.createdAt).toISOString(),
    finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
  };
}
