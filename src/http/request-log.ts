import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * One line per answered request, at debug (LOG_LEVEL=debug shows them): the UI polls every few seconds,
 * and two info lines per request buried everything else. Errors are logged by the error handler.
 */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  request.log.debug(
    {
      method: request.method,
      url: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    },
    'request',
  );
}
