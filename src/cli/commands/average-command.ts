import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CHUNK_SIZE } from '../../app/average/average-coordinator.ts';
import { averageResultDocument } from '../../app/average/average-document.ts';
import { datasetKind } from '../../app/average/dataset-reader.ts';
import { loadDatasetUrlConfig } from '../../config/dataset-url.config.ts';
import { loadWorkerConfig } from '../../config/roles.config.ts';
import { AppError } from '../../core/errors.ts';
import type { FaceSelection } from '../../core/face-selection.ts';
import type { AverageJobRecord } from '../../ports/average-job-store.ts';
import { parseNumberOption } from '../engine-session.ts';
import { printJson } from '../output.ts';
import { createByteProgress, createProgress } from '../progress.ts';

interface AverageCliOptions {
  face: string;
  minScore: string;
  workers?: string;
  out?: string;
  json?: boolean;
  chunkSize: string;
  resume?: string;
  maxBytes: string;
  window?: string;
}

const FACE_MODES: FaceSelection[] = ['largest', 'center', 'all'];

function summary(job: AverageJobRecord, out: string | undefined): string {
  const r = job.result;
  if (!r) return '';
  const s = r.counts.skipped;
  const lines = [
    `average face embedding of ${job.source.label}: ${r.counts.photos} photos, ${r.counts.photosUsed} used, ${r.counts.faces} faces`,
    `model: ${r.model.name} ${r.model.version} (${r.model.dimensions} dimensions)`,
    `skipped: unreadable ${s.unreadable}, not an image ${s.not_an_image}, no face ${s.no_face}, too large ${s.too_large}; rejected archive entries ${job.rejected.length}`,
    `time: ${(r.stats.durationMs / 1000).toFixed(1)} s, ${r.stats.photosPerSecond.toFixed(2)} photos/s`,
    `L2-normalised mean (first 8 of ${r.model.dimensions}): ${r.normalizedMean
      .slice(0, 8)
      .map((v) => v.toFixed(4))
      .join(' ')}`,
    `job ${job.id}${out ? `; full result in ${out}` : '; --out result.json or --json for the full vectors'}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerAverageCommand(program: Command): void {
  program
    .command('average')
    .description(
      'average face embedding of a data set (folder, .tar, .tar.gz, .zip, a .txt list of photo paths, or an http(s) URL of an archive on a host in DATASET_URL_ALLOW), computed through the queue and workers; resumable',
    )
    .argument(
      '[dataset]',
      'folder, archive, list file or http(s) URL of an archive (not needed with --resume)',
    )
    .option('--face <mode>', 'which faces of a photo count: largest | center | all', 'largest')
    .option('--min-score <score>', 'ignore faces with a lower detection score (0..1)', '0')
    .option(
      '--workers <n>',
      'in-process workers, one engine thread each (0: leave it to `faceflow worker`s; default: all cores)',
    )
    .option('--chunk-size <n>', 'photos per queue job', String(DEFAULT_CHUNK_SIZE))
    .option(
      '--window <n>',
      'chunks of the job queued at once (default: 4 per in-process worker, at least 8); a live upload waits behind at most these on RabbitMQ/NATS',
    )
    .option('--out <file>', 'write the result (vectors included) as JSON to this file')
    .option('--json', 'print the result as JSON on stdout')
    .option('--resume <jobId>', 'finish an interrupted job (same DATA_DIR) instead of starting one')
    .option('--max-bytes <n>', 'skip entries larger than this as too_large', String(50 * 1024 * 1024))
    .action(async (dataset: string | undefined, options: AverageCliOptions) => {
      if (!FACE_MODES.includes(options.face as FaceSelection))
        throw new AppError(
          'invalid_input',
          `--face must be one of ${FACE_MODES.join(', ')}, got "${options.face}"`,
        );
      if (!dataset && !options.resume)
        throw new AppError('invalid_input', 'give a data set, or --resume <jobId>');
      if (dataset && options.resume)
        throw new AppError('invalid_input', 'give either a data set or --resume <jobId>, not both');
      const minScore = parseNumberOption('--min-score', options.minScore, 0, 1);
      const chunkSize = parseNumberOption('--chunk-size', options.chunkSize, 1, 10_000);
      const maxBytes = parseNumberOption('--max-bytes', options.maxBytes, 1, 2 ** 31);
      const workers =
        options.workers === undefined
          ? availableParallelism()
          : parseNumberOption('--workers', options.workers, 0, 256);
      if (!Number.isInteger(chunkSize) || !Number.isInteger(workers))
        throw new AppError('invalid_input', '--chunk-size and --workers must be whole numbers');
      const window =
        options.window === undefined
          ? Math.max(8, workers * 4)
          : parseNumberOption('--window', options.window, 1, 100_000);
      const config = loadWorkerConfig({ LOG_LEVEL: 'warn', ...process.env });
      const datasetUrl = loadDatasetUrlConfig(process.env);
      const { runAverage } = await import('../../roles/average.ts');
      const progress = createProgress('average', !options.json);
      const download = createByteProgress('download', !options.json);
      const isUrl = dataset !== undefined && /^https?:\/\//i.test(dataset);
      const absolute = dataset && !isUrl ? path.resolve(dataset) : undefined;
      // a missing path, a FIFO or a device is refused here, before a job is made for it
      if (absolute) await datasetKind(absolute, dataset);
      const jobOptions = { face: options.face as FaceSelection, minScore, chunkSize, window };
      let job: AverageJobRecord;
      try {
        job = await runAverage(config, {
          dataset: isUrl
            ? { url: dataset as string, options: jobOptions }
            : absolute
              ? { path: absolute, label: dataset as string, options: jobOptions }
              : undefined,
          datasetUrl,
          onDownload: (p) => {
            download.tick(p.bytes, p.totalBytes ?? 0);
            if (p.complete) download.stop();
          },
          resumeJobId: options.resume,
          workers,
          maxEntryBytes: maxBytes,
          onJob: (created) =>
            process.stderr.write(
              `faceflow: average job ${created.id} (continue it after an interruption with: faceflow average --resume ${created.id})\n`,
            ),
          onProgress: (current) =>
            progress.tick(current.photosDone, Math.max(current.totalEntries, current.photosDone, 1)),
        });
      } finally {
        download.stop();
        progress.stop();
      }
      const document = averageResultDocument(job);
      if (options.out) await writeFile(options.out, `${JSON.stringify(document, null, 2)}\n`);
      if (options.json) printJson(document);
      else process.stdout.write(summary(job, options.out));
    });
}
