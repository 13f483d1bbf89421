import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.ts';

/** Whether a string anywhere in a parsed value (params, query, JSON body) holds a NUL character. */
export function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => holdsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\0') || holdsNul(v, depth + 1));
}

/**
 * Refuses text with NUL characters in path parameters, the query and JSON bodies with 400 before any
 * route sees it: no name, id or path of faceflow holds one, and PostgreSQL cannot store one (it would
 * answer with an error, which became a 500).
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (holdsNul(request.params) || holdsNul(request.query) || holdsNul(request.body))
      throw new AppError('invalid_input', 'the request holds a NUL character');
  });
}
