import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createUser, deleteUser, updateUser } from '../../app/auth/user-admin.ts';
import { ROLES } from '../../core/principal.ts';
import type { AuditLog } from '../../ports/audit-log.ts';
import type { UserRecord } from '../../ports/user-store.ts';
import type { HttpAuth } from '../auth/auth-hook.ts';
import { principalOf } from '../auth/request-principal.ts';
import { errorSchema, idParams } from '../schemas.ts';
import { twoFactorOf } from './totp.routes.ts';

const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  totpEnabled: z.boolean().describe('signs in with a second factor (TOTP)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

function userJson(user: UserRecord): z.infer<typeof userSchema> {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    totpEnabled: user.totpEnabled,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}

const adminOnly = { role: 'admin' as const };
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

/** User administration (admin only): list, create, change name/role/password, delete. */
export function registerUserRoutes(app: FastifyInstance, auth: HttpAuth, audit: AuditLog): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];
  const deps = { users: auth.users, clock: auth.clock, audit };

  r.get(
    '/api/users',
    {
      config: adminOnly,
      schema: {
        summary: 'List users',
        tags,
        response: { 200: z.object({ users: z.array(userSchema) }), ...errors },
      },
    },
    async () => ({ users: (await auth.users.listUsers()).map(userJson) }),
  );

  r.post(
    '/api/users',
    {
      config: adminOnly,
      schema: {
        summary: 'Create a user (password at least 12 characters)',
        tags,
        body: z.object({ name: z.string().max(200), password: z.string().max(4096), role: z.enum(ROLES) }),
        response: { 201: userSchema, 409: errorSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(201).send(userJson(await createUser(deps, request.body, principalOf(request)))),
  );

  r.patch(
    '/api/users/:id',
    {
      config: adminOnly,
      schema: {
        summary: 'Change a user: name, role or password (a new password or role ends their sessions)',
        tags,
        params: idParams,
        body: z
          .object({
            name: z.string().max(200).optional(),
            role: z.enum(ROLES).optional(),
            password: z.string().max(4096).optional(),
          })
          .strict(),
        response: { 200: userSchema, 404: errorSchema, 409: errorSchema, ...errors },
      },
    },
    async (request) =>
      userJson(await updateUser(deps, request.params.id, request.body, principalOf(request))),
  );

  r.delete(
    '/api/users/:id/totp',
    {
      config: adminOnly,
      schema: {
        summary:
          "Reset a user's second factor (lost phone): 2FA off, recovery codes gone, sessions ended; audited",
        tags,
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, 409: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await twoFactorOf(auth).reset(principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.delete(
    '/api/users/:id',
    {
      config: adminOnly,
      schema: {
        summary: 'Delete a user (not yourself, not the last admin)',
        tags,
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, 409: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await deleteUser(deps, request.params.id, principalOf(request));
      return reply.code(204).send(null);
    },
  );
}
