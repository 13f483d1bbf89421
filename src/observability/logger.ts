import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Where secrets could reach a log line: credentials in request and response headers (Fastify logs no
 * headers by default, but an error or a debug line may carry them) and password, token and key fields
 * of any logged object. Embeddings are never passed to a logger; the path is a second fence.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["set-cookie"]',
  '*.embedding',
  'password',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.secret',
];

/** JSON logs on stdout (or `destination`); secrets are never passed to a logger, and the usual suspects are redacted. */
export function createLogger(level: string, role: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { role, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
