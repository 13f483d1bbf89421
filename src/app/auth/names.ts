import { AppError } from '../../core/errors.ts';
import { ROLES, type Role } from '../../core/principal.ts';
import { findUnsafeCharacter, unsafeCharacterMessage } from '../../core/text-safety.ts';

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/**
 * User and API key names, NFKC-normalised (so the fullwidth `ａｄｍｉｎ` is `admin`), then 1-64 letters,
 * digits, `.`, `_`, `@`, `-` (ASCII: no look-alike letters of other scripts), starting with a letter or
 * digit. Invisible and direction-changing characters get a message of their own. Answers the normalised
 * name, which is what is stored.
 */
export function checkName(name: string, what = 'user name'): string {
  const normalised = name.normalize('NFKC');
  const unsafe = findUnsafeCharacter(normalised);
  if (unsafe) throw new AppError('invalid_input', unsafeCharacterMessage(what, unsafe));
  if (!USER_NAME.test(normalised))
    throw new AppError(
      'invalid_input',
      `the ${what} must be 1-64 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
    );
  return normalised;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
