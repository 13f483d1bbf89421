import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../app/auth/auth-service.ts';
import { AppError } from '../../core/errors.ts';
import { LOCAL_OPERATOR, type Role, roleAllows } from '../../core/principal.ts';
import type { Clock } from '../../ports/clock.ts';
import type { UserStore } from '../../ports/user-store.ts';
import { sendError } from '../errors.ts';
import './request-principal.ts';

export const ACCESS_COOKIE = 'ff_access';
export const REFRESH_COOKIE = 'ff_refresh';

/** What the HTTP layer needs for authentication (built by the role from its config). */
export interface HttpAuth {
  /** null: `AUTH=disabled` (loopback only): every request runs as the local operator. */
  service: AuthService | null;
  users: UserStore;
  clock: Clock;
  /** Cookies carry `Secure` (everywhere except plain HTTP on a loopback address). */
  secureCookies: boolean;
  /** `/metrics` needs a viewer too (METRICS_AUTH=enabled). */
  metricsAuth: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The bearer credential of a request: `Authorization: Bearer`, `X-API-Key`, or the access cookie. */
export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? '';
  }
  const key = request.headers['x-api-key'];
  if (typeof key === 'string') return key;
  return request.cookies[ACCESS_COOKIE];
}

function needsAuthentication(path: string, metricsAuth: boolean): boolean {
  return path === '/api' || path.startsWith('/api/') || (metricsAuth && path === '/metrics');
}

/** The role a request needs: the route's `config.role`, else viewer to read and editor to write. */
function neededRole(request: FastifyRequest): Role | 'public' {
  return request.routeOptions.config?.role ?? (SAFE_METHODS.has(request.method) ? 'viewer' : 'editor');
}

/**
 * Cookies and the `onRequest` hook that authenticates every `/api/*` request (and `/metrics` with
 * METRICS_AUTH) before its body is read: 401 without a valid credential, 403 when the role is too low.
 * The UI's files, /docs, /openapi.json, /healthz and /readyz stay public.
 */
export async function registerAuthentication(app: FastifyInstance, auth: HttpAuth): Promise<void> {
  await app.register(fastifyCookie);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] ?? '';
    if (!needsAuthentication(path, auth.metricsAuth)) return;
    const needed = neededRole(request);
    if (needed === 'public') return;
    if (!auth.service) {
      request.principal = LOCAL_OPERATOR;
      return;
    }
    const credential = credentialOf(request);
    if (!credential)
      return sendError(
        reply,
        new AppError('unauthorized', 'sign in first: send Authorization: Bearer <token> or an API key'),
      );
    try {
      request.principal = await auth.service.authenticate(credential);
    } catch (error) {
      if (error instanceof AppError) return sendError(reply, error);
      throw error;
    }
    if (!roleAllows(request.principal.role, needed))
      return sendError(
        reply,
        new AppError(
          'forbidden',
          `this needs the ${needed} role; ${request.principal.name} is ${request.principal.role}`,
        ),
      );
  });
}
