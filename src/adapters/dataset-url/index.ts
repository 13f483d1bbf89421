import { join } from 'node:path';
import type { DatasetUrlConfig } from '../../config/dataset-url.config.ts';
import type { DatasetDownloader } from '../../ports/dataset-download.ts';
import type { Logger } from '../../ports/logger.ts';
import { HttpDatasetDownloader } from './http-dataset-downloader.ts';

/** The downloader of URL data sets, keeping its local copies under DATA_DIR/imports/downloads. */
export function openDatasetDownloader(
  config: DatasetUrlConfig & { DATA_DIR: string },
  log: Logger,
): DatasetDownloader {
  return new HttpDatasetDownloader({
    allow: config.DATASET_URL_ALLOW,
    spoolDir: join(config.DATA_DIR, 'imports', 'downloads'),
    maxBytes: config.DATASET_URL_MAX_BYTES,
    timeoutMs: config.DATASET_URL_TIMEOUT_MS,
    idleTimeoutMs: config.DATASET_URL_IDLE_TIMEOUT_MS,
    log,
  });
}
