import { z } from 'zod';
import { AppError } from '../core/errors.ts';

/** An env var that may be unset or empty (treated as unset, so `FOO=` falls back to the default). */
export function optionalEnv<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
}

/** Keys whose values are secrets: configuration errors never show what was given for them. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'JWT_SECRET',
  'RECOGNIZER_SECRET',
  'SEARCH_SECRET',
  'TOTP_KEY',
]);

export const intEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Parses `env` with a role's schema. Every bad key is reported together in one AppError
 * (`invalid_input`), one line per key; the result is frozen.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(config)';
      const name = String(issue.path[0] ?? '');
      // A secret's value is never echoed (it would end up in logs and terminals).
      const given = issue.path.length > 0 && !SECRET_KEYS.has(name) ? env[name] : undefined;
      return `  ${key}: ${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`;
    });
    throw new AppError('invalid_input', `invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}
