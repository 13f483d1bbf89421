import { AppError } from './errors.ts';

export const MAX_PERSON_NAME_LENGTH = 200;

/** A person's name: trimmed, 1 to 200 characters, stored verbatim otherwise (quotes, `;`, `%` included). */
export function validatePersonName(value: unknown): string {
  if (typeof value !== 'string') throw new AppError('invalid_input', 'name must be a string');
  const name = value.trim();
  if (name.length === 0) throw new AppError('invalid_input', 'name must not be empty');
  if (name.length > MAX_PERSON_NAME_LENGTH)
    throw new AppError('invalid_input', `name must be at most ${MAX_PERSON_NAME_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new AppError('invalid_input', 'name must not contain control characters');
  return name;
}
