import { pino } from 'pino';
import { TarZipArchiveReader } from '../adapters/archives-tar-zip/archive-reader.tar-zip.ts';
import { openDatasetDownloader } from '../adapters/dataset-url/index.ts';
import { MemoryEventBus } from '../adapters/events-memory/event-bus.memory.ts';
import { finishIfComplete } from '../app/average/average-chunk.ts';
import {
  type AverageCoordinatorDeps,
  createAverageJob,
  prepareAverageJob,
  resumeAverageJob,
  waitForAverageJob,
} from '../app/average/average-coordinator.ts';
import { startUrlAverageJob } from '../app/average/url-average-job.ts';
import { checkDatasetUrl } from '../app/average/url-dataset.ts';
import type { DatasetUrlConfig } from '../config/dataset-url.config.ts';
import type { WorkerConfig } from '../config/roles.config.ts';
import { AppError } from '../core/errors.ts';
import type { AverageJobOptions, AverageJobRecord } from '../ports/average-job-store.ts';
import type { DownloadProgress, OpenedDownload } from '../ports/dataset-download.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { openInfrastructure } from './wiring/infrastructure.ts';
import { Lifecycle } from './wiring/lifecycle.ts';
import { openAverageStore } from './wiring/stores.ts';

export interface RunAverageOptions {
  /** A new job over this data set (a path, or an http(s) URL downloaded as it is read)… */
  dataset?:
    | { path: string; label: string; options: AverageJobOptions }
    | { url: string; options: AverageJobOptions };
  /** DATASET_URL_*: where URL data sets may come from, and the download's limits. */
  datasetUrl?: DatasetUrlConfig;
  /** A URL data set's download, as it goes. */
  onDownload?: (progress: DownloadProgress) => void;
  /** …or an unfinished one to pick up. */
  resumeJobId?: string;
  /** In-process workers (engine threads, one each); 0 leaves the chunks to `faceflow worker` processes. */
  workers: number;
  maxEntryBytes: number;
  /** Called once the job exists (before any photo is read), e.g. to print its id for --resume. */
  onJob?: (job: AverageJobRecord) => void;
  onProgress?: (job: AverageJobRecord) => void;
  /** Engine for the in-process workers instead of a new worker-thread pool. */
  engine?: FaceEngine;
}

/**
 * `faceflow average`: coordinator (reads the data set, queues chunks, waits) plus in-process workers,
 * on the configured DATA_DIR. Resolves with the finished job; a failed job rejects with its error.
 */
export async function runAverage(
  config: WorkerConfig,
  options: RunAverageOptions,
): Promise<AverageJobRecord> {
  const logger = pino(
    { level: config.LOG_LEVEL, base: { role: 'average', pid: process.pid } },
    pino.destination(2),
  );
  const lifecycle = new Lifecycle(logger);
  try {
    const infra = lifecycle.adopt('infrastructure', await openInfrastructure(config), (i) => i.close());
    const { averages } = lifecycle.adopt('average store', await openAverageStore(config), (a) => a.close());
    if (!averages)
      throw new AppError('unavailable', 'average jobs need an SQLite or PostgreSQL store (DATABASE_URL)');
    const deps: AverageCoordinatorDeps = {
      averages,
      blobs: infra.blobs,
      queue: infra.queue,
      events: new MemoryEventBus(100, infra.clock),
      clock: infra.clock,
      log: logger,
      maxEntryBytes: options.maxEntryBytes,
      // the data set is a path the CLI's own user named: not confined, still regular files only
      datasetRoots: null,
      downloader: options.datasetUrl
        ? openDatasetDownloader({ ...options.datasetUrl, DATA_DIR: config.DATA_DIR }, logger)
        : null,
      downloads: { set: (_jobId, progress) => options.onDownload?.(progress), delete: () => undefined },
      archives: new TarZipArchiveReader(),
    };
    // a URL the configuration refuses is refused before the engine starts (no network yet)
    if (options.dataset && 'url' in options.dataset) checkDatasetUrl(deps, options.dataset.url);
    // workers first: the job's clock (photos/s) starts once the engine is up
    if (options.workers > 0) {
      const { startWorker } = await import('./worker.ts');
      const worker = await startWorker(
        { ...config, ENGINE_THREADS: options.workers, WORKER_CONCURRENCY: options.workers * 2 },
        { engine: options.engine, keepEngine: options.engine !== undefined, serveHealth: false, infra },
      );
      lifecycle.defer('workers', () => worker.close());
    }
    let job: AverageJobRecord;
    let opened: OpenedDownload | undefined;
    if (options.resumeJobId) {
      const found = await averages.getJob(options.resumeJobId);
      if (!found)
        throw new AppError('not_found', `no average job ${options.resumeJobId} in ${config.DATA_DIR}`);
      job = found;
    } else if (options.dataset && 'url' in options.dataset) {
      ({ job, opened } = await startUrlAverageJob(deps, options.dataset.url, options.dataset.options));
    } else if (options.dataset) {
      job = await createAverageJob(
        deps,
        { path: options.dataset.path, label: options.dataset.label },
        options.dataset.options,
      );
    } else {
      throw new AppError('invalid_input', 'give a data set, or --resume <jobId>');
    }
    options.onJob?.(job);
    if (options.resumeJobId) await resumeAverageJob(deps, job.id);
    else await prepareAverageJob(deps, job.id, opened);
    await finishIfComplete(deps, job.id);
    const final = await waitForAverageJob(deps, job.id, options.onProgress);
    if (final.state === 'failed' && final.error) throw new AppError(final.error.code, final.error.message);
    if (final.state === 'cancelled') throw new AppError('conflict', `average job ${final.id} was cancelled`);
    return final;
  } finally {
    await lifecycle.close();
  }
}
