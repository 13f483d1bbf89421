import { describe, expect, it } from 'vitest';
import { startTracing, tracingOff } from '../observability/tracing/tracing.ts';
import { noTracer } from '../ports/tracer.ts';
import {
  loadAllConfig,
  loadApiConfig,
  loadRecognizerConfig,
  loadRedeemerConfig,
  loadWorkerConfig,
} from './roles.config.ts';

/** The recognizer on a loopback address, which needs no RECOGNIZER_SECRET. */
const loadLocalRecognizer = (env: NodeJS.ProcessEnv) =>
  loadRecognizerConfig({ RECOGNIZER_HOST: '127.0.0.1', ...env });
const loaders = [loadAllConfig, loadApiConfig, loadWorkerConfig, loadRedeemerConfig, loadLocalRecognizer];

describe('tracing configuration (OTEL_EXPORTER_OTLP_*)', () => {
  it('is off by default in every role, and off means no OpenTelemetry at all', async () => {
    for (const load of loaders) {
      const config = load({});
      expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
      expect(config.OTEL_EXPORTER_OTLP_PROTOCOL).toBeUndefined();
    }
    const tracing = await startTracing(loadWorkerConfig({}), 'worker');
    expect(tracing).toBe(tracingOff);
    expect(tracing.tracer).toBe(noTracer);
    expect(tracing.logFields).toBeUndefined();
  });

  it('reads an http(s) endpoint, the JSON protocol and a service name in every role that traces', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'faceflow-blue',
    };
    for (const load of loaders) expect(load(env)).toMatchObject(env);
  });

  it('refuses an endpoint that is no http(s) URL and a protocol other than OTLP/HTTP, naming the key', () => {
    expect(() => loadWorkerConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => loadApiConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => loadLocalRecognizer({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL/,
    );
  });
});
