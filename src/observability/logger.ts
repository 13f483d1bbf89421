import { type Logger, pino } from 'pino';

/** JSON logs on stdout; embeddings and secrets are never passed to a logger, and the usual suspects are redacted. */
export function createLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { role, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['req.headers.authorization', 'req.headers.cookie', '*.embedding', '*.password', '*.apiKey'],
  });
}
