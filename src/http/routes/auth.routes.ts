import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RetryLaterError, type Session } from '../../app/auth/auth-service.ts';
import { RECOVERY_CODE_PATTERN, TOTP_CODE_PATTERN } from '../../app/auth/two-factor.ts';
import { AppError } from '../../core/errors.ts';
import { ROLES } from '../../core/principal.ts';
import { ACCESS_COOKIE, type HttpAuth, REFRESH_COOKIE } from '../auth/auth-hook.ts';
import { principalOf } from '../auth/request-principal.ts';
import { errorSchema } from '../schemas.ts';

const REFRESH_PATH = '/api/auth';

const userSchema = z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) });
const sessionSchema = z.object({
  accessToken: z.string(),
  expiresIn: z.number().describe('seconds until the access token expires'),
  /** Only when asked for (scripts): browsers keep it in the httpOnly cookie, out of reach of page scripts. */
  refreshToken: z.string().optional(),
  user: userSchema,
});
const loginBody = z.object({
  name: z.string().min(1).max(200),
  password: z.string().min(1).max(4096),
  code: z
    .string()
    .max(64)
    .refine((c) => TOTP_CODE_PATTERN.test(c) || RECOVERY_CODE_PATTERN.test(c), {
      message: 'must be a 6-digit code or a recovery code (xxxx-xxxx-xxxx-xxxx)',
    })
    .optional()
    .describe('the 6-digit code of the authenticator app, or a recovery code (accounts with 2FA on)'),
  includeRefreshToken: z
    .boolean()
    .optional()
    .describe('answer the refresh token in the body too (scripts); browsers use the cookie'),
});
const refreshBody = z.object({ refreshToken: z.string().min(1).max(200).optional() }).nullish();
const setupBody = z.object({
  token: z.string().min(1).max(200),
  name: z.string().min(1).max(200),
  password: z.string().min(1).max(4096),
});
const configSchema = z.object({
  authDisabled: z.boolean(),
  setupNeeded: z.boolean(),
  session: z
    .enum(['active', 'expired', 'none'])
    .describe(
      "the browser's session cookies: `active` (GET /api/auth/me answers), `expired` (POST /api/auth/refresh may renew it), `none` (sign in)",
    ),
});
const publicRoute = { role: 'public' as const };
const noSecurity: readonly Record<string, string[]>[] = [];

/** Sets the session cookies: access for every path, refresh only for /api/auth (so it travels less). */
function setSessionCookies(reply: FastifyReply, session: Session, secure: boolean): void {
  const common = { httpOnly: true, sameSite: 'strict' as const, secure };
  reply.setCookie(ACCESS_COOKIE, session.accessToken, { ...common, path: '/', maxAge: session.expiresIn });
  reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
    ...common,
    path: REFRESH_PATH,
    maxAge: session.refreshExpiresIn,
  });
}

function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  const common = { httpOnly: true, sameSite: 'strict' as const, secure };
  reply.clearCookie(ACCESS_COOKIE, { ...common, path: '/' });
  reply.clearCookie(REFRESH_COOKIE, { ...common, path: REFRESH_PATH });
}

/** What the session cookies a browser sent are worth, without failing the request. */
async function cookieSession(
  auth: HttpAuth,
  request: FastifyRequest,
): Promise<'active' | 'expired' | 'none'> {
  const access = request.cookies[ACCESS_COOKIE];
  if (auth.service && access) {
    const valid = await auth.service.authenticate(access).then(
      () => true,
      () => false,
    );
    if (valid) return 'active';
  }
  return request.cookies[REFRESH_COOKIE] ? 'expired' : 'none';
}

function sessionJson(session: Session, withRefresh: boolean): z.infer<typeof sessionSchema> {
  return {
    accessToken: session.accessToken,
    expiresIn: session.expiresIn,
    ...(withRefresh ? { refreshToken: session.refreshToken } : {}),
    user: session.user,
  };
}

/** A lock-out (of the name, or of the client address) answers 429 with Retry-After (seconds). */
export async function withLockout<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RetryLaterError) reply.header('retry-after', String(error.retryAfterSeconds));
    throw error;
  }
}

function serviceOf(auth: HttpAuth) {
  if (!auth.service)
    throw new AppError('conflict', 'authentication is disabled on this server (AUTH=disabled)');
  return auth.service;
}

function refreshCookie(request: FastifyRequest): string | undefined {
  return request.cookies[REFRESH_COOKIE];
}

/** Sign-in, refresh, sign-out, who am I, first-run setup (routes under /api/auth). */
export function registerAuthRoutes(app: FastifyInstance, auth: HttpAuth): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  r.post(
    '/api/auth/login',
    {
      config: publicRoute,
      schema: {
        summary:
          'Sign in with name and password (and `code` where 2FA is on: without it 401 `totp_required`): an access token, and session cookies for the browser',
        tags,
        security: noSecurity,
        body: loginBody,
        response: { 200: sessionSchema, 400: errorSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) => {
      const { name, password, code, includeRefreshToken } = request.body;
      const session = await withLockout(reply, () => serviceOf(auth).login(name, password, request.ip, code));
      setSessionCookies(reply, session, auth.secureCookies);
      return sessionJson(session, includeRefreshToken === true);
    },
  );

  r.post(
    '/api/auth/refresh',
    {
      config: publicRoute,
      schema: {
        summary:
          'New access token for the refresh cookie (or body `refreshToken`); the refresh token rotates',
        tags,
        security: noSecurity,
        body: refreshBody,
        response: { 200: sessionSchema, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request, reply) => {
      const fromBody = request.body?.refreshToken;
      const token = fromBody ?? refreshCookie(request);
      if (!token)
        throw new AppError('unauthorized', 'no refresh token (cookie ff_refresh or body refreshToken)');
      const session = await serviceOf(auth).refresh(token);
      setSessionCookies(reply, session, auth.secureCookies);
      return sessionJson(session, fromBody !== undefined);
    },
  );

  r.post(
    '/api/auth/logout',
    {
      config: publicRoute,
      schema: {
        summary: 'Sign out: revokes the refresh token and clears the cookies',
        tags,
        security: noSecurity,
        body: refreshBody,
        response: { 204: z.null(), 400: errorSchema },
      },
    },
    async (request, reply) => {
      if (auth.service) await auth.service.logout(request.body?.refreshToken ?? refreshCookie(request));
      clearSessionCookies(reply, auth.secureCookies);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/auth/me',
    {
      config: { totpEnrolment: true },
      schema: {
        summary: 'Who the credential of this request belongs to',
        tags,
        response: {
          200: z.object({
            user: userSchema.extend({
              kind: z.enum(['user', 'api_key', 'local']),
              mustEnrolTotp: z
                .boolean()
                .optional()
                .describe(
                  'their role requires 2FA (TOTP_REQUIRED) and it is not on yet: only enrolment is open',
                ),
            }),
          }),
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id, name, role, kind } = principal;
      const mustEnrolTotp = principal.kind === 'user' && principal.mustEnrolTotp === true;
      return { user: { id, name, role, kind, ...(mustEnrolTotp ? { mustEnrolTotp } : {}) } };
    },
  );

  // The UI asks this first: it learns whether a session is there without a request answered 401 (which
  // every browser logs as an error in its console).
  const config = async (request: FastifyRequest) => ({
    authDisabled: auth.service === null,
    setupNeeded: auth.service !== null && (await auth.service.setupNeeded()),
    session: await cookieSession(auth, request),
  });
  r.get(
    '/api/auth/config',
    {
      config: publicRoute,
      schema: {
        summary: 'Whether authentication is on and whether the first admin still has to be created',
        tags,
        security: noSecurity,
        response: { 200: configSchema },
      },
    },
    config,
  );
  r.get(
    '/api/auth/setup',
    {
      config: publicRoute,
      schema: {
        summary: 'Whether first-run setup is still open',
        tags,
        security: noSecurity,
        response: { 200: configSchema },
      },
    },
    config,
  );

  r.post(
    '/api/auth/setup',
    {
      config: publicRoute,
      schema: {
        summary: 'Create the first admin with the one-time setup token printed at start, and sign in',
        tags,
        security: noSecurity,
        body: setupBody,
        response: { 200: sessionSchema, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request, reply) => {
      const { token, name, password } = request.body;
      const session = await serviceOf(auth).setup(token, name, password);
      setSessionCookies(reply, session, auth.secureCookies);
      return sessionJson(session, false);
    },
  );
}
