import type { FastifyInstance } from 'fastify';
import type { PublishedEvent } from '../../ports/event-bus.ts';
import type { HttpDeps } from '../server.ts';

function frame(event: PublishedEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * GET /api/events: Server-Sent Events. A reconnect with `Last-Event-ID` (header, or `lastEventId` query
 * parameter) first replays the events it missed, as many as are still held.
 */
export function registerEventRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get(
    '/api/events',
    { schema: { summary: 'Live events (text/event-stream): image, person, job', tags: ['events'] } },
    (request, reply) => {
      const header = request.headers['last-event-id'];
      const query = (request.query as { lastEventId?: string }).lastEventId;
      const raw = (Array.isArray(header) ? header[0] : header) ?? query;
      const lastId = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // HTTP/2 (TLS) has no connection header: the stream stays open by itself.
        ...(request.raw.httpVersionMajor >= 2 ? {} : { connection: 'keep-alive' }),
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write('retry: 2000\n\n');
      const subscription = deps.events.subscribe((event) => res.write(frame(event)), lastId);
      if (!subscription.complete) res.write(': some events were missed; reload the lists\n\n');
      for (const event of subscription.replay) res.write(frame(event));
      const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
      const close = () => {
        clearInterval(heartbeat);
        subscription.unsubscribe();
        open.delete(close);
        if (!res.writableEnded) res.end();
      };
      open.add(close);
      request.raw.on('close', close);
    },
  );
}
