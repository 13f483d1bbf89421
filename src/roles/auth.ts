import { openTokenSigner } from '../adapters/jwt-jose/signing-key.ts';
import { AuthService } from '../app/auth/auth-service.ts';
import { isLoopbackHost } from '../config/auth.config.ts';
import type { HttpAuth } from '../http/auth/index.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { UserStore } from '../ports/user-store.ts';

/** The auth keys of `api` and `all` (see src/config/auth.config.ts). */
export interface AuthConfig {
  DATA_DIR: string;
  HOST: string;
  AUTH: boolean;
  JWT_SECRET?: string;
  JWT_PRIVATE_KEY_FILE?: string;
  ACCESS_TOKEN_TTL: number;
  REFRESH_TOKEN_TTL: number;
  METRICS_AUTH: boolean;
  TLS_CERT?: string;
}

/** Authentication for the HTTP server: the service (null with AUTH=disabled) and cookie settings. */
export function buildHttpAuth(config: AuthConfig, users: UserStore, clock: Clock, log: Logger): HttpAuth {
  const service = config.AUTH
    ? new AuthService({
        users,
        clock,
        signer: openTokenSigner(config, log),
        settings: { accessTtlSeconds: config.ACCESS_TOKEN_TTL, refreshTtlSeconds: config.REFRESH_TOKEN_TTL },
      })
    : null;
  if (!service) log.warn({}, 'AUTH=disabled: every request runs as the local operator (admin)');
  return {
    service,
    users,
    clock,
    // Browsers drop Secure cookies on plain http, which is only expected on this machine.
    secureCookies: config.TLS_CERT !== undefined || !isLoopbackHost(config.HOST),
    metricsAuth: config.METRICS_AUTH,
  };
}

/**
 * First run: with no user yet, a one-time setup token (valid for an hour, stored hashed) and the link
 * that lets the first admin choose a password in the browser; null when a user exists or auth is off.
 */
export async function firstRunSetupLink(auth: HttpAuth, baseUrl: string): Promise<string | null> {
  const issued = await auth.service?.issueSetupToken();
  return issued ? `${baseUrl}/setup#token=${issued.token}` : null;
}
