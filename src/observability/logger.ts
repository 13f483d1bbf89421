import { type DestinationStream, type LogFn, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

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

/**
 * Pino writes the fields of the logged object and then the message under `msg`, so an object that has a
 * `msg` field of its own (`log.info({ msg }, 'text')`) made a line with two `msg` keys: most JSON parsers keep
 * only the last, and log pipelines differ on which. Such a field is moved to `detail`; an object logged
 * without a message string keeps its `msg` as the message.
 */
function oneMessageKey(
  this: Logger,
  args: Parameters<LogFn>,
  method: (this: Logger, ...args: unknown[]) => void,
): void {
  const [first, ...rest] = args as unknown[];
  if (
    rest.length > 0 &&
    typeof first === 'object' &&
    first !== null &&
    !(first instanceof Error) &&
    Object.hasOwn(first, 'msg')
  ) {
    const { msg, ...others } = first as Record<string, unknown>;
    method.apply(this, [{ ...others, detail: msg }, ...rest]);
    return;
  }
  method.apply(this, args as unknown[]);
}

/**
 * JSON logs on stdout (or `destination`); secrets are never passed to a logger, and the usual suspects are
 * redacted. `traceFields` (tracing on) adds the current span's `trace_id` and `span_id` to every line.
 */
export function createLogger(
  level: string,
  role: string,
  destination?: DestinationStream,
  traceFields?: () => Record<string, string>,
): Logger {
  return pino(
    {
      level,
      base: { role, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: { logMethod: oneMessageKey },
      ...(traceFields ? { mixin: traceFields } : {}),
    },
    destination,
  );
}

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Where the logs of a role go: JSON lines on stdout (undefined: pino's own), or, for a person at a terminal
 * (`auto` with stdout a TTY, or `pretty`), one readable line per entry — time, level, message, fields —
 * written synchronously so the start-up lines and the setup link keep their order.
 */
export function logDestination(
  format: LogFormat,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): DestinationStream | undefined {
  const human = format === 'pretty' || (format === 'auto' && out.isTTY === true);
  if (!human) return out === process.stdout ? undefined : (out as DestinationStream);
  return pretty({
    destination: out,
    sync: true,
    colorize: out.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,role',
    singleLine: true,
  });
}
