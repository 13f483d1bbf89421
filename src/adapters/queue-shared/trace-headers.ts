import { cleanTraceCarrier, type TraceCarrier } from '../../core/trace-context.ts';

/** The message headers a job's trace context travels in on a broker: W3C Trace Context's own names. */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/** The carrier as message headers (none when absent or malformed). */
export function traceHeaders(carrier: TraceCarrier | undefined): Record<string, string> {
  return { ...cleanTraceCarrier(carrier) };
}

/**
 * The carrier of a received message, read through `header` (AMQP header table, NATS headers); a missing or
 * malformed one gives `{}` to spread, so a stranger's header never reaches a tracer.
 */
export function traceFromHeaders(header: (name: string) => unknown): { trace?: TraceCarrier } {
  const values: Record<string, unknown> = {};
  for (const name of TRACE_HEADERS) {
    const value = header(name);
    values[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  const trace = cleanTraceCarrier(values);
  return trace ? { trace } : {};
}

/** The trace headers of a received message, for the copy re-published from it (a delayed retry, the dead letter). */
export function keptTraceHeaders(header: (name: string) => unknown): Record<string, string> {
  return traceHeaders(traceFromHeaders(header).trace);
}
