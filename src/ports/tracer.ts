import type { TraceCarrier } from '../core/trace-context.ts';

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

export interface SpanOptions {
  kind?: SpanKind;
  /** The remote parent (a queued job's or an RPC's carrier); absent: the span current in this process. */
  parent?: TraceCarrier | null;
  attributes?: Readonly<Record<string, string | number | boolean>>;
}

export interface Span {
  /** This span's context to hand on (a message's headers, a database row); null when nothing is traced. */
  readonly carrier: TraceCarrier | null;
  /** Ends the span; with an error, marked failed. Once only. */
  end(error?: unknown): void;
}

/**
 * Spans around the steps of a photo's way through the processes (docs/adr/0015). The use cases see only
 * this port and opaque carriers; the OpenTelemetry adapter (observability/tracing) implements it when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, `noTracer` otherwise.
 */
export interface Tracer {
  /** Runs `fn` in a new span that is current while it runs (child spans and logs see it); ended when it settles. */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T>;
  /** A span that is not made current (one of several open at once, like the publishes of one batch). */
  startSpan(name: string, options: SpanOptions): Span;
}

const noSpan: Span = { carrier: null, end() {} };

/** Tracing off: nothing is created, nothing is carried. */
export const noTracer: Tracer = {
  inSpan: (_name, _options, fn) => fn(noSpan),
  startSpan: () => noSpan,
};
