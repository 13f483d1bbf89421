import { AppError } from '../../core/errors.ts';
import type { AverageJobRecord } from '../../ports/average-job-store.ts';
import type { DatasetDownloader, DownloadProgress, OpenedDownload } from '../../ports/dataset-download.ts';
import { type DatasetItem, type DatasetOptions, readArchiveStream } from './dataset-reader.ts';

/** Follows the downloads of URL data sets by job id (the API's job views, the CLI's progress bar). */
export interface DownloadWatcher {
  set(jobId: string, progress: DownloadProgress): void;
  /** The download is over (read through, failed or stopped). */
  delete(jobId: string): void;
}

export interface UrlDatasetDeps {
  /** Null or absent where URL data sets are off (DATASET_URL_ALLOW empty). */
  downloader?: DatasetDownloader | null;
  downloads?: DownloadWatcher;
}

function downloaderOf(deps: UrlDatasetDeps): DatasetDownloader {
  if (!deps.downloader)
    throw new AppError(
      'forbidden',
      'data sets from a URL are turned off here: set DATASET_URL_ALLOW to the hosts they may come from',
    );
  return deps.downloader;
}

/** Opens a job's URL, or says clearly why this process cannot. */
export function openJobDownload(deps: UrlDatasetDeps, job: AverageJobRecord): Promise<OpenedDownload> {
  return downloaderOf(deps).open(job.source.path, job.id);
}

/** Checks a URL against the configuration (no network); returns what to call it. */
export function checkDatasetUrl(deps: UrlDatasetDeps, url: string): string {
  return downloaderOf(deps).check(url);
}

/**
 * The entries of a job's URL data set while it downloads: tar and tar.gz entries come out as their
 * bytes arrive, so photos are stored and chunks queued before the download ends. The local copy is
 * deleted once read (or when reading fails); a killed process leaves it for `--resume`.
 */
export async function* readUrlDataset(
  deps: UrlDatasetDeps,
  job: AverageJobRecord,
  options: DatasetOptions,
  opened?: OpenedDownload,
): AsyncGenerator<DatasetItem> {
  const download = opened ?? (await openJobDownload(deps, job));
  try {
    yield* readArchiveStream(
      {
        kind: download.kind,
        bytes: download.bytes((progress) => deps.downloads?.set(job.id, progress)),
        file: download.file,
        label: download.label,
      },
      options,
    );
  } finally {
    deps.downloads?.delete(job.id);
    await download.remove();
  }
}
