import {
  type Context,
  context,
  type Span as OtelSpan,
  SpanKind as OtelSpanKind,
  type Tracer as OtelTracerApi,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { cleanTraceCarrier, type TraceCarrier } from '../../core/trace-context.ts';
import type { Span, SpanKind, SpanOptions, Tracer } from '../../ports/tracer.ts';

const KINDS: Record<SpanKind, OtelSpanKind> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  producer: OtelSpanKind.PRODUCER,
  consumer: OtelSpanKind.CONSUMER,
};

/** The Tracer port on the OpenTelemetry API (whatever provider is registered globally). */
export class OtelTracer implements Tracer {
  private readonly tracer: OtelTracerApi;

  constructor(name = 'faceflow', version?: string) {
    this.tracer = trace.getTracer(name, version);
  }

  inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
    const parent = parentContext(options.parent);
    const span = this.tracer.startSpan(name, spanOptions(options), parent);
    const handle = handleOf(span);
    return context.with(trace.setSpan(parent, span), async () => {
      try {
        const result = await fn(handle);
        handle.end();
        return result;
      } catch (error) {
        handle.end(error);
        throw error;
      }
    });
  }

  startSpan(name: string, options: SpanOptions): Span {
    return handleOf(this.tracer.startSpan(name, spanOptions(options), parentContext(options.parent)));
  }
}

/** A remote parent starts from an empty context (never what happens to be current); else the current one. */
function parentContext(carrier: TraceCarrier | null | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : context.active();
}

function spanOptions(options: SpanOptions) {
  return { kind: KINDS[options.kind ?? 'internal'], attributes: options.attributes };
}

function handleOf(span: OtelSpan): Span {
  let ended = false;
  let carrier: TraceCarrier | null | undefined;
  return {
    get carrier() {
      if (carrier === undefined) {
        const headers: Record<string, string> = {};
        propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
        carrier = cleanTraceCarrier(headers);
      }
      return carrier;
    },
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      if (error !== undefined) {
        if (error instanceof Error) span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      }
      span.end();
    },
  };
}

/** The ids of the span current where a log line is written (pino mixin): logs and traces join on them. */
export function currentTraceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
