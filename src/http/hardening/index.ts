import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type HardeningConfig, hardeningSchema } from '../../config/hardening.config.ts';
import type { OpenSharedRateCounters } from '../../ports/rate-limit-counters.ts';
import { registerCors } from './cors.ts';
import { refuseNulCharacters } from './no-nul.ts';
import { type RateLimitSettings, registerRateLimits } from './rate-limits.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { loadTls, type TlsMaterial } from './tls.ts';

/** What the HTTP server needs to harden itself, built from the config by `httpHardening`. */
export interface HttpHardening {
  corsOrigins: readonly string[];
  /** null: no rate limits (RATE_LIMIT=off). */
  rateLimits: RateLimitSettings | null;
  /** Certificate and key: HTTPS and HTTP/2 with HSTS. */
  tls?: TlsMaterial;
  /** Fastify's trustProxy: whose X-Forwarded-For to believe (a hop count becomes a function). */
  trustProxy: boolean | string[] | ((address: string, hop: number) => boolean);
}

/** Believes the nearest `hops` proxies (what Fastify does for a number, which its types do not allow). */
function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/**
 * Reads the TLS files (throwing a message that names TLS_CERT or TLS_KEY) and gathers the rest.
 * `openShared` opens the Redis of REDIS_URL (adapters/redis); the composition root passes it.
 */
export function httpHardening(config: HardeningConfig, openShared?: OpenSharedRateCounters): HttpHardening {
  if (config.RATE_LIMIT && config.REDIS_URL && !openShared)
    throw new Error('REDIS_URL is set: httpHardening needs the adapter that opens Redis');
  return {
    corsOrigins: config.CORS_ORIGINS,
    rateLimits: config.RATE_LIMIT
      ? {
          max: config.RATE_LIMIT_MAX,
          loginMax: config.RATE_LIMIT_LOGIN_MAX,
          uploadMax: config.RATE_LIMIT_UPLOAD_MAX,
          windowMs: config.RATE_LIMIT_WINDOW_MS,
          ...(config.REDIS_URL && openShared ? { shared: { url: config.REDIS_URL, open: openShared } } : {}),
          keyPrefix: config.REDIS_KEY_PREFIX,
        }
      : null,
    tls:
      config.TLS_CERT && config.TLS_KEY
        ? loadTls({ certFile: config.TLS_CERT, keyFile: config.TLS_KEY })
        : undefined,
    trustProxy: typeof config.TRUST_PROXY === 'number' ? trustHops(config.TRUST_PROXY) : config.TRUST_PROXY,
  };
}

/** The defaults of every key (rate limits on, CORS closed, plain HTTP): what a server built without a config gets. */
export const DEFAULT_HARDENING: HttpHardening = httpHardening(hardeningSchema.parse({}));

/** Security headers, CORS, rate limits and the NUL check; registered before any route. */
export async function registerHardening(
  app: FastifyInstance,
  hardening: HttpHardening,
  log: Pick<Logger, 'warn' | 'info'>,
): Promise<void> {
  await registerSecurityHeaders(app, { tls: hardening.tls !== undefined });
  await registerCors(app, hardening.corsOrigins);
  if (hardening.rateLimits) await registerRateLimits(app, hardening.rateLimits, log);
  refuseNulCharacters(app);
}
