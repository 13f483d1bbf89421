import fastifyRateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.ts';
import { userNameKey } from '../../core/user-name.ts';
import type { OpenSharedRateCounters } from '../../ports/rate-limit-counters.ts';

export interface RateLimitSettings {
  /** Requests per client address and window to any route. */
  max: number;
  /** Sign-in (and first-admin setup) attempts per client address and account name per window. */
  loginMax: number;
  /** Uploads, imports and identify calls per client address, per route and window. */
  uploadMax: number;
  windowMs: number;
  /** Shared counters in Redis (several api replicas), and how to open them; absent: counters in this process. */
  shared?: { url: string; open: OpenSharedRateCounters };
  /** Prefix of the Redis keys. */
  keyPrefix: string;
}

/**
 * The sign-in routes, and those that check a one-time code: limited per address and account name, so one
 * account (or its second factor) cannot be guessed at.
 */
const LOGIN_ROUTES = new Set([
  'POST /api/auth/login',
  'POST /api/auth/setup',
  'POST /api/auth/refresh',
  'POST /api/auth/totp/enable',
  'POST /api/auth/totp/disable',
]);

/** Routes that take photos or archives in, or run the engine synchronously. */
const UPLOAD_ROUTES = new Set([
  'POST /api/images',
  'POST /api/identify',
  'POST /api/people/:id/faces',
  'POST /api/jobs/average',
]);

/** Probes and scrapes: never limited (a kubelet or Prometheus behind one address would trip it). */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function routeKeys(route: RouteOptions): string[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.map((m) => `${m} ${route.url}`);
}

function loginKey(request: FastifyRequest): string {
  const body = request.body as { name?: unknown } | undefined;
  // Every spelling that signs in to one account (case, fullwidth forms) shares one counter.
  const name = typeof body?.name === 'string' ? userNameKey(body.name.trim()).slice(0, 200) : '';
  return `${request.ip}|${name}`;
}

function tooMany(_request: FastifyRequest, context: { after: string }): AppError {
  return new AppError('rate_limited', `too many requests: retry in ${context.after}`);
}

/** The route's own limit (on top of the global one), or undefined for none. */
function routeLimit(route: RouteOptions, settings: RateLimitSettings): RateLimitOptions | undefined {
  const keys = routeKeys(route);
  if (keys.some((k) => LOGIN_ROUTES.has(k)))
    // After the body is parsed: the account name is part of the key.
    return {
      max: settings.loginMax,
      timeWindow: settings.windowMs,
      hook: 'preHandler',
      keyGenerator: loginKey,
    };
  if (keys.some((k) => UPLOAD_ROUTES.has(k)))
    return { max: settings.uploadMax, timeWindow: settings.windowMs };
  return undefined;
}

/**
 * Rate limits (@fastify/rate-limit): a generous global limit per client address on every request (unknown
 * URLs too), checked before authentication so that a flood of bad credentials is limited as well; on top,
 * a tight one on sign-in per address and account name, and one on uploads per route. With a Redis URL
 * every replica counts in the same Redis keys. Exceeding a limit answers 429 `rate_limited` with
 * `Retry-After`. Must be registered before the routes and before the authentication hook.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  settings: RateLimitSettings,
  log: Pick<Logger, 'warn' | 'info'>,
): Promise<void> {
  // Runs before the plugin's own onRoute hook (registered below), so the plugin sees the route's limit.
  app.addHook('onRoute', (route) => {
    const limit = routeLimit(route, settings);
    if (limit !== undefined) route.config = { ...(route.config as object), rateLimit: limit };
  });
  const shared = settings.shared ? settings.shared.open(settings.shared.url, log) : undefined;
  if (shared) app.addHook('onClose', async () => await shared.close());
  await app.register(fastifyRateLimit, {
    // The plugin's own per-route hooks only where a route has a limit of its own; the global limit is the
    // application hook below, which runs before any later onRequest hook (authentication).
    global: false,
    max: settings.max,
    timeWindow: settings.windowMs,
    errorResponseBuilder: tooMany,
    ...(shared
      ? { redis: shared.client, nameSpace: `${settings.keyPrefix}rate-limit:`, skipOnError: true }
      : {}),
  });
  const globalLimit = app.createRateLimit();
  app.addHook('onRequest', async (request, reply) => {
    if (UNLIMITED_PATHS.has(request.routeOptions.url ?? '')) return;
    const result = await globalLimit(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('retry-after', result.ttlInSeconds);
    throw new AppError('rate_limited', `too many requests: retry in ${result.ttlInSeconds} s`);
  });
}
