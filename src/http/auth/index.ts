import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../../ports/audit-log.ts';
import { registerApiKeyRoutes } from '../routes/api-keys.routes.ts';
import { registerAuthRoutes } from '../routes/auth.routes.ts';
import { registerTotpRoutes } from '../routes/totp.routes.ts';
import { registerUserRoutes } from '../routes/users.routes.ts';
import { type HttpAuth, registerAuthentication } from './auth-hook.ts';

export type { HttpAuth } from './auth-hook.ts';
export { declarePublicRoutes } from './auth-hook.ts';

/** OpenAPI security schemes: bearer JWT or API key, in the header or as `X-API-Key`. */
export const OPENAPI_SECURITY = {
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT or ffk_ API key' },
      apiKeyHeader: { type: 'apiKey' as const, in: 'header' as const, name: 'X-API-Key' },
    },
  },
  security: [{ bearerAuth: [] }, { apiKeyHeader: [] }] as Record<string, string[]>[],
};

/**
 * Authentication hook first (before any route), then the auth, user and API key routes. `trustedOrigins`
 * (CORS_ORIGINS) may write with the session cookie besides the server's own origin.
 */
export async function registerAuth(
  app: FastifyInstance,
  auth: HttpAuth,
  audit: AuditLog,
  trustedOrigins: readonly string[] = [],
): Promise<void> {
  await registerAuthentication(app, auth, trustedOrigins);
  registerAuthRoutes(app, auth);
  registerTotpRoutes(app, auth);
  registerUserRoutes(app, auth, audit);
  registerApiKeyRoutes(app, auth, audit);
}
