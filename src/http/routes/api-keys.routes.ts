import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../app/auth/api-keys.ts';
import { ROLES } from '../../core/principal.ts';
import type { AuditLog } from '../../ports/audit-log.ts';
import type { ApiKeyRecord } from '../../ports/user-store.ts';
import type { HttpAuth } from '../auth/auth-hook.ts';
import { principalOf } from '../auth/request-principal.ts';
import { errorSchema, idParams } from '../schemas.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

function keyJson(key: ApiKeyRecord): z.infer<typeof keySchema> {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    createdBy: key.createdBy,
    createdAt: iso(key.createdAt) as string,
    lastUsedAt: iso(key.lastUsedAt),
    revokedAt: iso(key.revokedAt),
  };
}

const adminOnly = { role: 'admin' as const };
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

/** API keys for services and scripts (admin only): the key itself is answered once, at creation. */
export function registerApiKeyRoutes(app: FastifyInstance, auth: HttpAuth, audit: AuditLog): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['keys'];
  const deps = { users: auth.users, clock: auth.clock, audit };

  r.get(
    '/api/keys',
    {
      config: adminOnly,
      schema: {
        summary: 'List API keys (never the keys themselves)',
        tags,
        response: { 200: z.object({ keys: z.array(keySchema) }), ...errors },
      },
    },
    async () => ({ keys: (await listApiKeys(deps)).map(keyJson) }),
  );

  r.post(
    '/api/keys',
    {
      config: adminOnly,
      schema: {
        summary: 'Create an API key with a role; the answer holds the key, shown this once',
        tags,
        body: z.object({ name: z.string().max(200), role: z.enum(ROLES) }),
        response: { 201: keySchema.extend({ key: z.string() }), ...errors },
      },
    },
    async (request, reply) => {
      const { key, record } = await createApiKey(deps, request.body, principalOf(request));
      return reply.code(201).send({ ...keyJson(record), key });
    },
  );

  r.delete(
    '/api/keys/:id',
    {
      config: adminOnly,
      schema: {
        summary: 'Revoke an API key: the next request with it gets 401',
        tags,
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errors },
      },
    },
    async (request, reply) => {
      await revokeApiKey(deps, request.params.id, principalOf(request));
      return reply.code(204).send(null);
    },
  );
}
