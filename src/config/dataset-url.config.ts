import { z } from 'zod';
import { type AllowedHost, parseAllowedHost } from '../core/host-allow-list.ts';
import { intEnv, optionalEnv, parseConfig } from './env.ts';

const allowList = optionalEnv(z.string()).transform((value, ctx): AllowedHost[] => {
  const hosts: AllowedHost[] = [];
  for (const entry of (value ?? '').split(',').map((e) => e.trim())) {
    if (entry.length === 0) continue;
    const parsed = parseAllowedHost(entry);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    else hosts.push(parsed);
  }
  return hosts;
});

/** Data sets from a URL (`faceflow average <url>`, `POST /api/jobs/average {"url"}`); README "Dataset averages". */
export const datasetUrlShape = {
  /**
   * Hosts data sets may be downloaded from, comma-separated: `host` (any port) or `host:port`.
   * Empty: URL data sets are off. Loopback, private and link-local addresses are refused unless an
   * entry names that address itself (e.g. `127.0.0.1:8080`).
   */
  DATASET_URL_ALLOW: allowList,
  /** The largest download accepted (Content-Length, or counted as it arrives). */
  DATASET_URL_MAX_BYTES: optionalEnv(intEnv(1, 2 ** 50)).transform((v) => v ?? 4 * 1024 ** 3),
  /** The whole download, resumes included. */
  DATASET_URL_TIMEOUT_MS: optionalEnv(intEnv(1000, 7 * 86_400_000)).transform((v) => v ?? 3_600_000),
  /** No byte for this long (or no answer to a request) counts as a dropped connection and is resumed. */
  DATASET_URL_IDLE_TIMEOUT_MS: optionalEnv(intEnv(100, 3_600_000)).transform((v) => v ?? 30_000),
};

export const datasetUrlConfigSchema = z.object(datasetUrlShape);
export type DatasetUrlConfig = z.output<typeof datasetUrlConfigSchema>;

/** For `faceflow average`, which reads these next to the worker's settings. */
export const loadDatasetUrlConfig = (env: NodeJS.ProcessEnv = process.env) =>
  parseConfig(datasetUrlConfigSchema, env);
