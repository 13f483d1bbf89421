import { isIP } from 'node:net';
import { z } from 'zod';
import { ROLES, type Role } from '../core/principal.ts';
import { intEnv, optionalEnv } from './env.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration in seconds from `900`, `90s`, `15m`, `12h` or `7d`; undefined when malformed. */
export function parseDurationSeconds(value: string): number | undefined {
  const match = /^(\d{1,9})\s*([smhd]?)$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[match[2] || 's'] as number);
}

const duration = (fallback: string, min: number, max: number) =>
  optionalEnv(z.string()).transform((v, ctx) => {
    const seconds = parseDurationSeconds(v ?? fallback);
    if (seconds === undefined || seconds < min || seconds > max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration like 15m, 12h or 7d, between ${min} s and ${max} s`,
      });
      return z.NEVER;
    }
    return seconds;
  });

const enabled = (fallback: 'enabled' | 'disabled') =>
  optionalEnv(z.enum(['enabled', 'disabled'])).transform((v) => (v ?? fallback) === 'enabled');

/**
 * TOTP_REQUIRED: which roles must sign in with a second factor. `off` (default), `all`, or a comma-separated
 * list of roles (`admin`, `editor,admin`).
 */
const totpRequired = optionalEnv(z.string()).transform((v, ctx): ReadonlySet<Role> => {
  const value = (v ?? 'off').trim().toLowerCase();
  if (value === 'off') return new Set();
  if (value === 'all') return new Set(ROLES);
  const roles = value.split(',').map((r) => r.trim());
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be off, all, or a comma-separated list of roles (${ROLES.join(', ')}); unknown: ${unknown.join(', ')}`,
    });
    return z.NEVER;
  }
  return new Set(roles as Role[]);
});

/** Keys of authentication (issue 7), read by `api` and `all`. */
export const authShape = {
  /** `disabled` runs every request as the local operator; refused unless HOST is a loopback address. */
  AUTH: enabled('enabled'),
  /** HS256 key of the access tokens (every api replica needs the same one); never echoed in errors. */
  JWT_SECRET: optionalEnv(z.string().min(32, 'must have at least 32 characters')),
  /** PEM private key (Ed25519, EC P-256 or RSA) for asymmetric access tokens; wins over JWT_SECRET. */
  JWT_PRIVATE_KEY_FILE: optionalEnv(z.string().min(1)),
  ACCESS_TOKEN_TTL: duration('15m', 30, 86_400),
  REFRESH_TOKEN_TTL: duration('7d', 300, 365 * 86_400),
  /** Failed sign-ins from one client address (any names) after which it is refused (429) until the window ends. */
  LOGIN_ADDRESS_MAX_FAILURES: optionalEnv(intEnv(1, 1_000_000)).transform((v) => v ?? 30),
  /** The window of LOGIN_ADDRESS_MAX_FAILURES, from the address's first failure in it. */
  LOGIN_ADDRESS_WINDOW: duration('15m', 60, 86_400),
  /** Roles that must turn on two-factor sign-in before they may do anything else (off, all, or roles). */
  TOTP_REQUIRED: totpRequired,
  /**
   * Key material (32+ characters) that encrypts the users' TOTP secrets in the database; every api replica
   * needs the same. Unset: generated once into DATA_DIR/totp-key. Never echoed in errors.
   */
  TOTP_KEY: optionalEnv(z.string().min(32, 'must have at least 32 characters')),
  /** The issuer name authenticator apps show next to the account. */
  TOTP_ISSUER: optionalEnv(z.string().min(1).max(64)).transform((v) => v ?? 'faceflow'),
  /** `enabled`: GET /metrics needs a viewer credential too. */
  METRICS_AUTH: enabled('disabled'),
};

/** True for 127.0.0.0/8, ::1, localhost (what only this machine can reach). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare.startsWith('::ffff:127.');
}

/** `AUTH=disabled` on an address others can reach would open the API to them: refused at start. */
export function checkAuthBinding(
  config: { AUTH: boolean; HOST: string },
  ctx: { addIssue(issue: { code: 'custom'; message: string; path: string[] }): void },
): void {
  if (!config.AUTH && !isLoopbackHost(config.HOST))
    ctx.addIssue({
      code: 'custom',
      path: ['AUTH'],
      message: `AUTH=disabled is only allowed on a loopback address (HOST=127.0.0.1 or ::1), not HOST=${config.HOST}: anyone who reaches it would be admin`,
    });
}
