import { AppError } from '../../core/errors.ts';
import { ROLES, type Role } from '../../core/principal.ts';

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** User and API key names: 1-64 letters, digits, `.`, `_`, `@`, `-`, starting with a letter or digit. */
export function checkName(name: string, what = 'user name'): string {
  if (!USER_NAME.test(name))
    throw new AppError(
      'invalid_input',
      `the ${what} must be 1-64 characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
    );
  return name;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
