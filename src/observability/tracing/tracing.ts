import type { TracingConfig } from '../../config/tracing.config.ts';
import { noTracer, type Tracer } from '../../ports/tracer.ts';

/** A process's tracing: the tracer its use cases get, the trace ids for its log lines, and the final flush. */
export interface Tracing {
  tracer: Tracer;
  /** Fields for each log line (`trace_id`, `span_id` of the current span); absent when tracing is off. */
  logFields?: () => Record<string, string>;
  /** Sends the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

export const tracingOff: Tracing = { tracer: noTracer, shutdown: async () => {} };

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set. Unset, none of the SDK, exporters or
 * instrumentations is loaded (zero cost). Call it before the role's modules are imported: the standard instrumentations
 * (HTTP, pg) patch modules as they load.
 */
export async function startTracing(config: TracingConfig, role: string): Promise<Tracing> {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return tracingOff;
  const { startOtelSdk } = await import('./otel-sdk.ts');
  return startOtelSdk({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    protocol: config.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    serviceName: config.OTEL_SERVICE_NAME ?? `faceflow-${role}`,
    batchDelayMs: config.OTEL_BSP_SCHEDULE_DELAY ?? 5000,
  });
}
