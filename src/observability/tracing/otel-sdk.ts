import { FastifyOtelInstrumentation } from '@fastify/otel';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { packageVersion } from '../../config/package-version.ts';
import { currentTraceFields, OtelTracer } from './otel-tracer.ts';
import type { Tracing } from './tracing.ts';

export interface OtelSettings {
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
  /** Longest a finished span waits in the batch before it is sent. */
  batchDelayMs: number;
}

/** Probes and scrapes: every few seconds from every kubelet and Prometheus, and no part of a photo's way. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

async function exporterFor(settings: OtelSettings): Promise<SpanExporter> {
  const url = `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`;
  if (settings.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url });
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter({ url });
}

/**
 * The OpenTelemetry SDK of one process: a tracer provider (W3C trace context propagation, batched OTLP
 * export), the standard instrumentations that apply (incoming and outgoing HTTP, Fastify's routes,
 * `fetch`, PostgreSQL), and the Tracer port for faceflow's own spans (docs/adr/0015).
 */
export async function startOtelSdk(settings: OtelSettings): Promise<Tracing> {
  const version = packageVersion();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: await exporterFor(settings),
        scheduledDelayMillis: settings.batchDelayMs,
      }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
      }),
      // Route and handler spans; one per lifecycle hook would triple the spans of every request.
      new FastifyOtelInstrumentation({ registerOnInitialization: true, instrumentHooks: false }),
      new UndiciInstrumentation(),
      new PgInstrumentation(),
    ],
  });
  return {
    tracer: new OtelTracer('faceflow', version),
    logFields: currentTraceFields,
    async shutdown() {
      unregister();
      await provider.shutdown();
      contextManager.disable();
    },
  };
}
