import { z } from 'zod';
import { intEnv, optionalEnv } from './env.ts';

/**
 * Tracing (README "Tracing"): spans go to an OTLP/HTTP receiver (an OpenTelemetry Collector) when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; unset, no OpenTelemetry SDK is loaded. The names are the
 * OpenTelemetry SDK's own, so the usual meaning holds.
 */
export const tracingShape = {
  /** Base URL of the OTLP/HTTP receiver; spans are POSTed to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalEnv(
    z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL (OTLP over HTTP)' }),
  ),
  /** OTLP encoding: protobuf (unset: the specification's default, `http/protobuf`) or JSON. */
  OTEL_EXPORTER_OTLP_PROTOCOL: optionalEnv(z.enum(['http/protobuf', 'http/json'])),
  /** The `service.name` of this process's spans (default `faceflow-<role>`). */
  OTEL_SERVICE_NAME: optionalEnv(z.string().min(1).max(200)),
  /** Longest a finished span waits in its batch before export, in ms (unset: 5000). */
  OTEL_BSP_SCHEDULE_DELAY: optionalEnv(intEnv(1, 600_000)),
};

/** Optional throughout, so that configurations built in code (tests, embedding) need none of it. */
export interface TracingConfig {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_PROTOCOL?: 'http/protobuf' | 'http/json';
  OTEL_SERVICE_NAME?: string;
  OTEL_BSP_SCHEDULE_DELAY?: number;
}
