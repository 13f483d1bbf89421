import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS, closed unless CORS_ORIGINS lists exact origins: only those get `Access-Control-Allow-Origin`
 * (with credentials, so a listed UI on another origin may send the session cookie); a preflight from any
 * other origin gets no CORS headers, so the browser refuses the call.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const allowed = new Set(origins);
  // The plugin's `OPTIONS *` route answers preflights (which carry no credentials) and nothing else:
  // public, or the auth hook would refuse every preflight that the CORS hook lets through.
  app.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS' && route.url === '*')
      route.config = { ...route.config, role: route.config?.role ?? 'public' };
  });
  await app.register(fastifyCors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id', 'last-event-id'],
    exposedHeaders: [
      'x-request-id',
      'retry-after',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
    ],
    maxAge: 600,
    strictPreflight: true,
  });
}
