import type { DownloadProgress } from '../../ports/dataset-download.ts';
import type { DownloadWatcher } from './url-dataset.ts';

/**
 * How far the downloads of URL data sets have got, by job id, in the process that downloads them
 * (the job views of that process show it; the store keeps only what is read from the archive).
 */
export class DownloadBoard implements DownloadWatcher {
  private readonly progress = new Map<string, DownloadProgress>();

  set(jobId: string, progress: DownloadProgress): void {
    this.progress.set(jobId, progress);
  }

  get(jobId: string): DownloadProgress | null {
    return this.progress.get(jobId) ?? null;
  }

  delete(jobId: string): void {
    this.progress.delete(jobId);
  }
}

/** Seconds left at the rate so far, or null while unknown. */
export function downloadEtaSeconds(progress: DownloadProgress): number | null {
  if (progress.complete) return 0;
  if (progress.totalBytes === null || progress.bytesPerSecond <= 0) return null;
  return Math.max(0, (progress.totalBytes - progress.bytes) / progress.bytesPerSecond);
}
