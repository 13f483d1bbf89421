import { AppError } from './errors.ts';
import { findUnsafeCharacter, unsafeCharacterMessage } from './text-safety.ts';

export const MAX_PERSON_NAME_LENGTH = 200;

/**
 * A person's name: trimmed, 1 to 200 characters, stored verbatim otherwise (quotes, `;`, `%` included), but
 * without control, zero-width or bidirectional-override characters (which would let a name display as
 * another, or hide part of itself).
 */
export function validatePersonName(value: unknown): string {
  if (typeof value !== 'string') throw new AppError('invalid_input', 'name must be a string');
  const name = value.trim();
  if (name.length === 0) throw new AppError('invalid_input', 'name must not be empty');
  if (name.length > MAX_PERSON_NAME_LENGTH)
    throw new AppError('invalid_input', `name must be at most ${MAX_PERSON_NAME_LENGTH} characters`);
  const unsafe = findUnsafeCharacter(name);
  if (unsafe) throw new AppError('invalid_input', unsafeCharacterMessage('name', unsafe));
  return name;
}
