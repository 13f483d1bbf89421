import { toErrorInfo } from '../../core/errors.ts';
import type { AverageJobOptions, AverageJobRecord } from '../../ports/average-job-store.ts';
import type { OpenedDownload } from '../../ports/dataset-download.ts';
import { type AverageCoordinatorDeps, createAverageJob } from './average-coordinator.ts';
import { checkDatasetUrl, openJobDownload } from './url-dataset.ts';

/**
 * A job over a URL data set whose download has started and whose first bytes are an archive: a URL
 * the configuration refuses, a server that refuses or redirects where it may not, or bytes that are no
 * archive reject here, and then no job is left behind. The caller reads it with `prepareAverageJob`.
 */
export async function startUrlAverageJob(
  deps: AverageCoordinatorDeps,
  url: string,
  options: AverageJobOptions,
): Promise<{ job: AverageJobRecord; opened: OpenedDownload }> {
  const label = checkDatasetUrl(deps, url);
  const job = await createAverageJob(deps, { path: url, label }, options);
  try {
    return { job, opened: await openJobDownload(deps, job) };
  } catch (error) {
    const info = toErrorInfo(error);
    await deps.averages.endJob(
      job.id,
      'failed',
      { code: info.code, message: info.message },
      deps.clock.now(),
    );
    await deps.averages.deleteFinishedJob(job.id);
    throw error;
  }
}
