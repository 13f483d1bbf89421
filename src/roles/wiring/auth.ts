import { join } from 'node:path';
import { readOrCreateSecret } from '../../adapters/blobs-fs/private-files.ts';
import { GENERATED_SECRET_FILE, openTokenSigner } from '../../adapters/jwt-jose/signing-key.ts';
import { OtpauthCodes } from '../../adapters/totp-otpauth/otpauth-codes.ts';
import { AuthService } from '../../app/auth/auth-service.ts';
import { SecretBox } from '../../app/auth/secret-box.ts';
import { TwoFactorService } from '../../app/auth/two-factor.ts';
import { isLoopbackHost } from '../../config/auth.config.ts';
import type { ApiConfig } from '../../config/roles.config.ts';
import type { HttpAuth } from '../../http/auth/index.ts';
import type { AuditLog } from '../../ports/audit-log.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Logger } from '../../ports/logger.ts';
import type { UserStore } from '../../ports/user-store.ts';

/** The auth keys of `api` and `all` (see src/config/auth.config.ts); a test may leave the optional ones out. */
export type AuthConfig = Pick<
  ApiConfig,
  'DATA_DIR' | 'HOST' | 'AUTH' | 'ACCESS_TOKEN_TTL' | 'REFRESH_TOKEN_TTL' | 'METRICS_AUTH'
> &
  Partial<
    Pick<
      ApiConfig,
      // DATABASE_URL tells a single process (SQLite) from one of several api replicas (PostgreSQL).
      | 'DATABASE_URL'
      | 'JWT_SECRET'
      | 'JWT_PRIVATE_KEY_FILE'
      | 'LOGIN_ADDRESS_MAX_FAILURES'
      | 'LOGIN_ADDRESS_WINDOW'
      | 'TLS_CERT'
      // Absent: no role must turn on 2FA.
      | 'TOTP_REQUIRED'
      | 'TOTP_KEY'
      | 'TOTP_ISSUER'
    >
  >;

/** The file under DATA_DIR that keeps the generated key of the TOTP secrets (no TOTP_KEY). */
export const GENERATED_TOTP_KEY_FILE = 'totp-key';

/** Several api replicas on PostgreSQL need one TOTP_KEY: a key generated per DATA_DIR differs between them. */
function generatedTotpKeyWarning(
  config: Pick<AuthConfig, 'AUTH' | 'DATABASE_URL' | 'TOTP_KEY'>,
): string | null {
  if (!config.AUTH || config.TOTP_KEY) return null;
  if (config.DATABASE_URL === undefined || config.DATABASE_URL.startsWith('sqlite:')) return null;
  return (
    'TOTP_KEY is not set on PostgreSQL: the TOTP secrets of users are encrypted with a key generated in ' +
    'DATA_DIR, which replicas with another DATA_DIR do not have (their users could not sign in with 2FA). ' +
    'Give every api replica the same TOTP_KEY from a secret store'
  );
}

function buildTwoFactor(config: AuthConfig, users: UserStore, clock: Clock, log: Logger, audit?: AuditLog) {
  const warning = generatedTotpKeyWarning(config);
  const keyFile = join(config.DATA_DIR, GENERATED_TOTP_KEY_FILE);
  if (warning) log.warn({ file: keyFile }, warning);
  return new TwoFactorService({
    users,
    clock,
    codes: new OtpauthCodes(),
    box: new SecretBox(config.TOTP_KEY ?? readOrCreateSecret(keyFile)),
    issuer: config.TOTP_ISSUER ?? 'faceflow',
    requiredRoles: config.TOTP_REQUIRED ?? new Set(),
    audit,
  });
}

/**
 * Why the secret generated into DATA_DIR is likely wrong for this process, or null. PostgreSQL is how
 * faceflow runs as several api replicas: each one with a DATA_DIR of its own generates its own secret
 * and refuses the tokens of the others (sign-ins fail at random behind a load balancer), and with a
 * shared DATA_DIR every pod that mounts it, workers included, can read the secret and mint tokens.
 * A warning, not a refusal: one api process on PostgreSQL is fine with it, and SQLite (`npm start`,
 * one process) never needs the key.
 */
export function generatedSecretWarning(
  config: Pick<AuthConfig, 'AUTH' | 'DATABASE_URL' | 'JWT_SECRET' | 'JWT_PRIVATE_KEY_FILE'>,
): string | null {
  if (!config.AUTH || config.JWT_SECRET || config.JWT_PRIVATE_KEY_FILE) return null;
  if (config.DATABASE_URL === undefined || config.DATABASE_URL.startsWith('sqlite:')) return null;
  return (
    'JWT_SECRET (or JWT_PRIVATE_KEY_FILE) is not set on PostgreSQL: access tokens are signed with a secret ' +
    'generated in DATA_DIR, which only api processes sharing that DATA_DIR have, so the other replicas ' +
    'refuse their tokens. Give every api replica the same JWT_SECRET from a secret store (docs/deploy.md)'
  );
}

/** Authentication for the HTTP server: the service (null with AUTH=disabled) and cookie settings. */
export function buildHttpAuth(
  config: AuthConfig,
  users: UserStore,
  clock: Clock,
  log: Logger,
  audit?: AuditLog,
): HttpAuth {
  const warning = generatedSecretWarning(config);
  if (warning) log.warn({ file: join(config.DATA_DIR, GENERATED_SECRET_FILE) }, warning);
  const twoFactor = config.AUTH ? buildTwoFactor(config, users, clock, log, audit) : null;
  const service = twoFactor
    ? new AuthService({
        twoFactor,
        users,
        clock,
        signer: openTokenSigner(config, log),
        settings: {
          accessTtlSeconds: config.ACCESS_TOKEN_TTL,
          refreshTtlSeconds: config.REFRESH_TOKEN_TTL,
          addressMaxFailures: config.LOGIN_ADDRESS_MAX_FAILURES,
          addressWindowSeconds: config.LOGIN_ADDRESS_WINDOW,
        },
      })
    : null;
  if (!service) log.warn({}, 'AUTH=disabled: every request runs as the local operator (admin)');
  return {
    service,
    twoFactor,
    users,
    clock,
    // Browsers drop Secure cookies on plain http, which is only expected on this machine.
    secureCookies: config.TLS_CERT !== undefined || !isLoopbackHost(config.HOST),
    metricsAuth: config.METRICS_AUTH,
  };
}

/** The first-run link, and how to tell whether it is still wanted (no user yet) or to get a fresh one. */
export interface FirstRunSetup {
  link: string;
  /** When the link's token stops working. */
  expiresAt: number;
  /** True while no user exists (nobody has used a setup link yet). */
  stillNeeded(): Promise<boolean>;
  /** A fresh link (a new token) while no user exists; null once one does. */
  renew(): Promise<FirstRunSetup | null>;
}

/**
 * First run: with no user yet, a one-time setup token (valid for an hour, stored hashed) and the link
 * that lets the first admin choose a password in the browser; null when a user exists or auth is off.
 */
export async function firstRunSetup(auth: HttpAuth, baseUrl: string): Promise<FirstRunSetup | null> {
  const service = auth.service;
  const issued = await service?.issueSetupToken();
  if (!service || !issued) return null;
  return {
    link: `${baseUrl}/setup#token=${issued.token}`,
    expiresAt: issued.expiresAt,
    stillNeeded: () => service.setupNeeded(),
    renew: () => firstRunSetup(auth, baseUrl),
  };
}
