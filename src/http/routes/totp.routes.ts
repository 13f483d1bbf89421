import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RECOVERY_CODE_PATTERN, TOTP_CODE_PATTERN } from '../../app/auth/two-factor.ts';
import { AppError } from '../../core/errors.ts';
import type { HttpAuth } from '../auth/auth-hook.ts';
import { principalOf } from '../auth/request-principal.ts';
import { errorSchema } from '../schemas.ts';
import { withLockout } from './auth.routes.ts';

const totpCode = z
  .string()
  .max(64)
  .regex(TOTP_CODE_PATTERN, 'must be the 6-digit code the authenticator app shows')
  .describe('the 6-digit code of the authenticator app');
const totpOrRecoveryCode = z
  .string()
  .max(64)
  .refine((c) => TOTP_CODE_PATTERN.test(c) || RECOVERY_CODE_PATTERN.test(c), {
    message: 'must be a 6-digit code or a recovery code (xxxx-xxxx-xxxx-xxxx)',
  })
  .describe('a current 6-digit code, or a recovery code');

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 409: errorSchema, 429: errorSchema };
/** Any signed-in user manages their own second factor (writes need only a viewer); enrolment stays open. */
const ownFactor = { role: 'viewer' as const, totpEnrolment: true as const };

/** The two-factor service; AUTH=disabled has none (409). */
export function twoFactorOf(auth: HttpAuth) {
  if (!auth.twoFactor)
    throw new AppError('conflict', 'authentication is disabled on this server (AUTH=disabled)');
  return auth.twoFactor;
}

/** Secrets and recovery codes are answered once and must not stay in a cache. */
function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}

/** The signed-in user's own second factor: status, setup, enable with a code, disable with a code. */
export function registerTotpRoutes(app: FastifyInstance, auth: HttpAuth): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  r.get(
    '/api/auth/totp',
    {
      config: ownFactor,
      schema: {
        summary: 'Whether two-factor sign-in is on for me, required for my role, and recovery codes left',
        tags,
        response: {
          200: z.object({
            enabled: z.boolean(),
            required: z.boolean(),
            pending: z.boolean().describe('a setup waits for its confirming code'),
            recoveryCodesLeft: z.number(),
          }),
          ...errors,
        },
      },
    },
    async (request) => twoFactorOf(auth).status(principalOf(request)),
  );

  r.post(
    '/api/auth/totp/setup',
    {
      config: ownFactor,
      schema: {
        summary:
          'Start turning on 2FA: a new secret for the authenticator app (shown this once), confirmed with /enable',
        tags,
        response: { 200: z.object({ secret: z.string(), otpauthUrl: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return twoFactorOf(auth).setup(principalOf(request));
    },
  );

  r.post(
    '/api/auth/totp/enable',
    {
      config: ownFactor,
      schema: {
        summary:
          'Turn on 2FA with a code of the new secret; answers 10 one-time recovery codes (shown this once)',
        tags,
        body: z.object({ code: totpCode }),
        response: { 200: z.object({ recoveryCodes: z.array(z.string()) }), ...errors },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return withLockout(reply, () => twoFactorOf(auth).enable(principalOf(request), request.body.code));
    },
  );

  r.post(
    '/api/auth/totp/disable',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Turn off 2FA with a current code or a recovery code (not where the role requires 2FA)',
        tags,
        body: z.object({ code: totpOrRecoveryCode }),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await withLockout(reply, () => twoFactorOf(auth).disable(principalOf(request), request.body.code));
      return reply.code(204).send(null);
    },
  );
}
