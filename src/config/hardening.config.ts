import { accessSync, constants, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { intEnv, optionalEnv } from './env.ts';

/** An exact browser origin: scheme, host and optional port, nothing else (no path, no trailing slash). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

const corsOrigins = optionalEnv(z.string())
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0),
  )
  .superRefine((origins, ctx) => {
    for (const origin of origins)
      if (!isOrigin(origin))
        ctx.addIssue({
          code: 'custom',
          message: `not an exact origin (scheme://host[:port], no path): ${origin}`,
        });
  });

/** A file the server must read at start: a path to an existing, readable file, made absolute. */
const readableFile = optionalEnv(z.string())
  .transform((v) => (v === undefined ? undefined : resolve(v)))
  .superRefine((path, ctx) => {
    if (path === undefined) return;
    try {
      accessSync(path, constants.R_OK);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a readable file: ${path}` });
    }
  });

/** Fastify's trustProxy: unset/false, true, a hop count, or a comma-separated list of addresses/CIDRs. */
const trustProxy = optionalEnv(z.string()).transform((v): boolean | number | string[] => {
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a.length > 0);
});

/**
 * Keys of the HTTP hardening (issue 7) read by `api` and `all`: CORS, rate limits (in Redis when
 * REDIS_URL is set, so that replicas share them), TLS and the proxy in front.
 */
export const hardeningShape = {
  /** Exact origins that may call the API from a browser page of another origin; none: CORS closed. */
  CORS_ORIGINS: corsOrigins,
  /** Redis for shared rate-limit counters (`redis://[:pass@]host:port[/db]` or `rediss://…`). */
  REDIS_URL: optionalEnv(
    z.string().refine((v) => /^rediss?:\/\/[^\s]+$/.test(v), { message: 'must be redis://… or rediss://…' }),
  ),
  /** Prefix of every key faceflow writes to Redis (several deployments may share one Redis). */
  REDIS_KEY_PREFIX: optionalEnv(z.string().regex(/^[A-Za-z0-9:._-]{1,100}$/)).transform(
    (v) => v ?? 'faceflow:',
  ),
  /** `off` turns every rate limit off (tests, fuzzing, a trusted network). */
  RATE_LIMIT: optionalEnv(z.enum(['on', 'off'])).transform((v) => v !== 'off'),
  /** Requests per client address and window to any route (generous: the UI polls and streams). */
  RATE_LIMIT_MAX: optionalEnv(intEnv(1, 1_000_000)).transform((v) => v ?? 3000),
  /** Sign-in attempts per client address and account name per window. */
  RATE_LIMIT_LOGIN_MAX: optionalEnv(intEnv(1, 1_000_000)).transform((v) => v ?? 10),
  /** Uploads and imports (photos, identify, enrolment, dataset archives) per client address, per route and window. */
  RATE_LIMIT_UPLOAD_MAX: optionalEnv(intEnv(1, 1_000_000)).transform((v) => v ?? 1200),
  /** The rate-limit window. */
  RATE_LIMIT_WINDOW_MS: optionalEnv(intEnv(1000, 86_400_000)).transform((v) => v ?? 60_000),
  /** PEM certificate chain and private key: both set, the API serves HTTPS and HTTP/2 (with HSTS). */
  TLS_CERT: readableFile,
  TLS_KEY: readableFile,
  /** Which proxies' X-Forwarded-For to believe for the client address (rate limits, logs). */
  TRUST_PROXY: trustProxy,
};

/** What is wrong with a certificate and key pair (PEM), with the key to blame; null when they work together. */
function tlsPairProblem(certFile: string, keyFile: string): { path: string; message: string } | null {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certFile);
    key = readFileSync(keyFile);
  } catch {
    return null; // already reported on the key whose file is not readable
  }
  if (!cert.includes('-----BEGIN CERTIFICATE-----'))
    return { path: 'TLS_CERT', message: `${certFile} holds no PEM certificate` };
  if (!/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(key.toString('latin1')))
    return { path: 'TLS_KEY', message: `${keyFile} holds no PEM private key` };
  try {
    createSecureContext({ cert, key });
    return null;
  } catch (error) {
    return {
      path: 'TLS_KEY',
      message: `does not belong to the certificate in TLS_CERT or cannot be used (${(error as Error).message})`,
    };
  }
}

/**
 * Both TLS keys or neither, reported on the missing key; and a certificate with its own private key, so a
 * bad file stops the start before anything is opened instead of failing on the first connection.
 */
export function checkTlsPair(c: { TLS_CERT?: string; TLS_KEY?: string }, ctx: z.RefinementCtx): void {
  if (c.TLS_CERT !== undefined && c.TLS_KEY === undefined)
    ctx.addIssue({ code: 'custom', path: ['TLS_KEY'], message: 'must be set too when TLS_CERT is set' });
  if (c.TLS_KEY !== undefined && c.TLS_CERT === undefined)
    ctx.addIssue({ code: 'custom', path: ['TLS_CERT'], message: 'must be set too when TLS_KEY is set' });
  if (c.TLS_CERT === undefined || c.TLS_KEY === undefined) return;
  const problem = tlsPairProblem(c.TLS_CERT, c.TLS_KEY);
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
}

/** The hardening keys alone (their defaults: `hardeningSchema.parse({})`). */
export const hardeningSchema = z.object(hardeningShape);

export type HardeningConfig = z.output<typeof hardeningSchema>;
