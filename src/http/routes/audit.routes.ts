import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTION, type AuditLog } from '../../ports/audit-log.ts';
import { errorSchema } from '../schemas.ts';

const entrySchema = z.object({
  id: z.string(),
  at: z.string().describe('ISO 8601'),
  actor: z.object({ kind: z.string(), id: z.string(), name: z.string() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** GET /api/audit: the audit log, newest first, for admins. */
export function registerAuditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/audit',
    {
      config: { role: 'admin' },
      schema: {
        summary:
          'The audit log, newest first (keyset pagination): who enrolled, assigned, deleted, exported what',
        tags: ['audit'],
        querystring: z.object({
          action: z.string().regex(AUDIT_ACTION).max(100).optional(),
          cursor: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: {
          200: z.object({ entries: z.array(entrySchema), nextCursor: z.string().nullable() }),
          400: errorSchema,
        },
      },
    },
    async (request) => {
      const page = await deps.audit.list(request.query);
      return {
        entries: page.entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        nextCursor: page.nextCursor,
      };
    },
  );
}
