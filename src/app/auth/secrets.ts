import { createHash, randomBytes } from 'node:crypto';

/** A random secret of 256 bits, base64url, with an optional recognisable prefix (`ffk_` for API keys). */
export function randomSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * sha256 of a random token, hex: what the database keeps of refresh tokens, API keys and setup tokens.
 * They carry 256 random bits, so a fast hash is enough (nothing to brute-force), and lookups stay indexed.
 */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export const API_KEY_PREFIX = 'ffk_';
export const REFRESH_TOKEN_PREFIX = 'ffr_';
