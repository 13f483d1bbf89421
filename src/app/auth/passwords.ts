import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/errors.ts';
import { COMMON_PASSWORD_WORDS, COMMON_PASSWORDS } from './common-passwords.ts';

/**
 * Passwords are hashed with scrypt (N=2^15, r=8, p=1: 32 MiB and about 50-100 ms per hash on one core) and a
 * 16-byte random salt per user. The stored form names its parameters (`scrypt$N$r$p$salt$hash`, base64url),
 * so they can be raised later without breaking existing hashes.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** A password repeating a unit of at most this many characters (`aaaa…`, `abab…`, `abcabc…`) is refused. */
const MAX_REPEATED_UNIT = 4;
/** Digits and symbols people pad a common word with to reach the minimum length. */
const PADDING = /^[\d\s!-/:-@[-`{-~]*(.*?)[\d\s!-/:-@[-`{-~]*$/su;

/** The shortest period of `chars`: the length of the smallest unit whose repetition makes it. */
function shortestPeriod(chars: readonly string[]): number {
  for (let period = 1; period < chars.length; period++) {
    let repeats = true;
    for (let i = period; i < chars.length && repeats; i++) repeats = chars[i] === chars[i - period];
    if (repeats) return period;
  }
  return chars.length;
}

const weak = (why: string) =>
  new AppError('invalid_input', `the password is too easy to guess: ${why}; choose another`);

/**
 * Throws `invalid_input` with a message saying why for a password that is too short or too long (length
 * in characters), one of the well-known common passwords (or a common word padded with digits and
 * symbols), or one character or a short pattern repeated. Case does not matter to the list.
 */
export function checkPasswordPolicy(password: string): void {
  const chars = [...password];
  if (chars.length < PASSWORD_MIN_LENGTH)
    throw new AppError('invalid_input', `the password must have at least ${PASSWORD_MIN_LENGTH} characters`);
  if (chars.length > PASSWORD_MAX_LENGTH)
    throw new AppError('invalid_input', `the password must have at most ${PASSWORD_MAX_LENGTH} characters`);
  const folded = password.normalize('NFKC').toLowerCase();
  if (COMMON_PASSWORDS.has(folded)) throw weak('it is on the list of the most common passwords');
  const core = PADDING.exec(folded)?.[1] ?? folded;
  if (COMMON_PASSWORD_WORDS.has(core)) throw weak('it is a common password with digits or symbols added');
  const period = shortestPeriod([...folded]);
  if (period === 1) throw weak('it is one character repeated');
  if (period <= MAX_REPEATED_UNIT) throw weak(`it is a pattern of ${period} characters repeated`);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Constant-time check of `password` against a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > 2 ** 20) return false;
  const expected = Buffer.from(parts[5] as string, 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, Buffer.from(parts[4] as string, 'base64url'), { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** A hash no password matches, checked against when the user does not exist (same time as a real check). */
export const DUMMY_PASSWORD_HASH = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;
