import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../app/auth/auth-service.ts';
import type { TwoFactorService } from '../../app/auth/two-factor.ts';
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
  /** null with `AUTH=disabled`. */
  twoFactor: TwoFactorService | null;
  users: UserStore;
  clock: Clock;
  /** Cookies carry `Secure` (everywhere except plain HTTP on a loopback address). */
  secureCookies: boolean;
  /** `/metrics` needs a viewer too (METRICS_AUTH=enabled): the server gives that route the viewer role. */
  metricsAuth: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A credential as the request presents it, and where: a header (scripts) or the access cookie (browsers). */
interface Presented {
  value: string;
  from: 'header' | 'cookie';
}

function presentedCredential(request: FastifyRequest): Presented | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return { value: match?.[1] ?? '', from: 'header' };
  }
  const key = request.headers['x-api-key'];
  if (typeof key === 'string') return { value: key, from: 'header' };
  const cookie = request.cookies[ACCESS_COOKIE];
  return cookie === undefined ? undefined : { value: cookie, from: 'cookie' };
}

/** The bearer credential of a request: `Authorization: Bearer`, `X-API-Key`, or the access cookie. */
export function credentialOf(request: FastifyRequest): string | undefined {
  return presentedCredential(request)?.value;
}

/**
 * The role the matched route needs: its `config.role`, else viewer to read and editor to write. Every
 * route is private unless it declares `role: 'public'`; the decision is the router's (what it matched,
 * whatever the spelling of the path), never a prefix of the URL. A request that matched no route gets the
 * not-found answer, which reaches no handler, so it needs no credential.
 */
function neededRole(request: FastifyRequest): Role | 'public' {
  if (request.is404) return 'public';
  return request.routeOptions.config?.role ?? (SAFE_METHODS.has(request.method) ? 'viewer' : 'editor');
}

/**
 * Marks every route registered in `scope` (an encapsulated plugin) public unless it names a role: for
 * plugins whose routes take no config of ours (the Swagger UI, static files).
 */
export function declarePublicRoutes(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, role: route.config?.role ?? 'public' };
  });
}

/** Whether `origin` (an Origin header) is this server's own: the Host it was reached by, same scheme. */
function isOwnOrigin(origin: string, request: FastifyRequest): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // Only a serialized origin counts (no path, no default port, not "null").
  if (url.origin !== origin || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  // Reached over TLS: an http page is another origin. Reached over plain http the page may still be https
  // (TLS ended at a proxy whose X-Forwarded-Proto is not trusted): the host and port decide.
  if (request.protocol === 'https' && url.protocol !== 'https:') return false;
  if (!request.host) return false;
  try {
    return new URL(`${url.protocol}//${request.host}`).host === url.host;
  } catch {
    return false;
  }
}

/**
 * Why a write that a browser may have sent on its own (session cookie) must be refused, or null when it
 * comes from this server's own pages. `Origin` decides (this server's origin, or one listed in
 * CORS_ORIGINS); without it `Sec-Fetch-Site` (same-origin, or none: typed by the user); with neither, the
 * write is refused: every browser of the last years sends Origin on a POST/PUT/PATCH/DELETE, and scripts
 * authenticate with a bearer token or an API key, which this check leaves alone.
 */
function crossOriginWrite(request: FastifyRequest, trusted: ReadonlySet<string>): string | null {
  const origin = request.headers.origin;
  if (typeof origin === 'string')
    return isOwnOrigin(origin, request) || trusted.has(origin)
      ? null
      : `a write signed in by cookie from another origin (${origin.slice(0, 100)}) is refused`;
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string')
    return site === 'same-origin' || site === 'none'
      ? null
      : `a write signed in by cookie from another site (Sec-Fetch-Site: ${site.slice(0, 30)}) is refused`;
  return 'a write signed in by cookie needs an Origin or Sec-Fetch-Site header; scripts send Authorization: Bearer or X-API-Key';
}

/** What only a browser states: an Origin that is not ours or a Sec-Fetch-Site other than same-origin. */
function statesOtherOrigin(request: FastifyRequest, trusted: ReadonlySet<string>): boolean {
  const stated = request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined;
  return stated && crossOriginWrite(request, trusted) !== null;
}

/**
 * Cookies and the `onRequest` hook that authenticates every request whose matched route is not public,
 * before its body is read: 401 without a valid credential, 403 when the role is too low, 403
 * `forbidden_origin` for a cookie-authenticated write from another origin (CSRF). Public: the sign-in
 * routes, the UI's files, /docs, /openapi.json, /healthz, /readyz, and /metrics unless METRICS_AUTH.
 * `trustedOrigins`: CORS_ORIGINS, whose pages may write with the cookie too.
 */
export async function registerAuthentication(
  app: FastifyInstance,
  auth: HttpAuth,
  trustedOrigins: readonly string[] = [],
): Promise<void> {
  const trusted = new Set(trustedOrigins);
  await app.register(fastifyCookie);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const needed = neededRole(request);
    if (needed === 'public') return;
    const write = !SAFE_METHODS.has(request.method);
    if (!auth.service) {
      // AUTH=disabled (loopback): the machine is the credential, so a browser page of another origin must
      // not write either; scripts send no Origin and go on.
      if (write && statesOtherOrigin(request, trusted))
        return sendError(reply, new AppError('forbidden_origin', 'a write from another origin is refused'));
      request.principal = LOCAL_OPERATOR;
      return;
    }
    const credential = presentedCredential(request);
    if (!credential?.value)
      return sendError(
        reply,
        new AppError('unauthorized', 'sign in first: send Authorization: Bearer <token> or an API key'),
      );
    if (write && credential.from === 'cookie') {
      const refusal = crossOriginWrite(request, trusted);
      if (refusal) return sendError(reply, new AppError('forbidden_origin', refusal));
    }
    try {
      request.principal = await auth.service.authenticate(credential.value);
    } catch (error) {
      if (error instanceof AppError) return sendError(reply, error);
      throw error;
    }
    const { principal } = request;
    if (principal.kind === 'user' && principal.mustEnrolTotp && !request.routeOptions.config?.totpEnrolment)
      return sendError(
        reply,
        new AppError(
          'totp_enrollment_required',
          'two-factor sign-in is required for your role: turn it on first (POST /api/auth/totp/setup, then /enable)',
        ),
      );
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
