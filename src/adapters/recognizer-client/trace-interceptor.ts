import type { Interceptor } from '@connectrpc/connect';
import type { Tracer } from '../../ports/tracer.ts';

/**
 * Each try of a Recognizer call in a client span, its W3C context sent as request headers (`traceparent`,
 * `tracestate`), which the recognizer's server interceptor continues. Health probes stay untraced.
 */
export function clientTraceInterceptor(tracer: Tracer): Interceptor {
  return (next) => (req) => {
    if (req.service.typeName.startsWith('grpc.health.')) return next(req);
    return tracer.inSpan(
      `${req.service.typeName}/${req.method.name}`,
      {
        kind: 'client',
        attributes: {
          'rpc.system': 'connect_rpc',
          'rpc.service': req.service.typeName,
          'rpc.method': req.method.name,
        },
      },
      (span) => {
        for (const [name, value] of Object.entries(span.carrier ?? {})) req.header.set(name, value);
        return next(req);
      },
    );
  };
}
