import type { Interceptor } from '@connectrpc/connect';
import { cleanTraceCarrier } from '../core/trace-context.ts';
import type { Tracer } from '../ports/tracer.ts';

/**
 * Serves each Recognizer call in a server span, child of the caller's W3C context (`traceparent`,
 * `tracestate` request headers; a malformed one is ignored). Health checks stay untraced.
 */
export function serverTraceInterceptor(tracer: Tracer): Interceptor {
  return (next) => (req) => {
    if (req.service.typeName.startsWith('grpc.health.')) return next(req);
    return tracer.inSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: 'server',
        parent: cleanTraceCarrier({
          traceparent: req.header.get('traceparent'),
          tracestate: req.header.get('tracestate'),
        }),
        attributes: {
          'rpc.system': 'connect_rpc',
          'rpc.service': req.service.typeName,
          'rpc.method': req.method.name,
        },
      },
      () => next(req),
    );
  };
}
