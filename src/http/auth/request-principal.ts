import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.ts';
import type { Principal, Role } from '../../core/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who makes the request; set by the auth hook on every authenticated route. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /**
     * The least role a route needs, overriding the default (GET/HEAD: viewer, other methods: editor);
     * `public`: no authentication at all. Every route without it is private, however its path is spelled:
     * the auth hook reads this from the route the router matched.
     */
    role?: Role | 'public';
    /**
     * Open to a user who must still turn on two-factor sign-in (TOTP_REQUIRED): who am I, and the 2FA
     * enrolment routes. Every other route answers 403 `totp_enrollment_required` to them.
     */
    totpEnrolment?: true;
  }
}

/** The principal of an authenticated route (the hook has run); throws on a public route. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthorized', 'this request is not authenticated');
  return request.principal;
}
