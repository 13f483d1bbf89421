import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { RecognizerConfig } from '../config/roles.config.ts';
import { createLogger, logDestination } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { type Tracing, tracingOff } from '../observability/tracing/tracing.ts';
import type { FaceEngine } from '../ports/face-engine.ts';
import { listenDual } from '../rpc/h2c-server.ts';
import { recognizerRoutes, secretInterceptor } from '../rpc/recognizer.service.ts';
import { serverTraceInterceptor } from '../rpc/trace-interceptor.ts';
import { inProcessEngine } from './wiring/engine.ts';
import { serveHealth } from './wiring/health.ts';
import { Lifecycle } from './wiring/lifecycle.ts';

export interface RunningRecognizer {
  /** `http://host:port` of the gRPC / gRPC-Web / Connect port. */
  url: string;
  metricsUrl: string;
  close(): Promise<void>;
}

/** Largest request accepted: a batch of photos of MAX_UPLOAD_BYTES-like size. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * `faceflow recognizer`: the engine as a stateless service (`faceflow.v1.Recognizer` + gRPC health) over
 * gRPC, gRPC-Web and Connect on RECOGNIZER_PORT; /healthz, /readyz, /metrics on METRICS_PORT. No
 * database, no gallery: matching stays with the caller.
 */
export async function startRecognizer(
  config: RecognizerConfig,
  options: {
    engine?: FaceEngine;
    /** Started by the caller before this module loaded (it owns the shutdown); default off. */
    tracing?: Tracing;
  } = {},
): Promise<RunningRecognizer> {
  const { tracer, logFields } = options.tracing ?? tracingOff;
  const logger = createLogger(config.LOG_LEVEL, 'recognizer', logDestination(config.LOG_FORMAT), logFields);
  if (!config.RECOGNIZER_SECRET)
    logger.warn(
      {},
      'RECOGNIZER_SECRET is not set: calls are not authenticated (allowed on a loopback address only)',
    );
  const lifecycle = new Lifecycle(logger);
  lifecycle.defer('stop line', () => logger.info({}, 'recognizer stopped'));
  return lifecycle.run(async () => {
    const engine = lifecycle.adopt('engine', options.engine ?? (await inProcessEngine(config, logger)), (e) =>
      e.close(),
    );
    const metrics = new Metrics({ engineStats: () => engine.stats() });
    let serving = false;
    let started = false;
    const handler = connectNodeAdapter({
      routes: recognizerRoutes({ engine, log: logger, isServing: () => serving }),
      // The trace span wraps the secret check: a refused call shows up in the caller's trace as refused.
      interceptors: [serverTraceInterceptor(tracer), secretInterceptor(config.RECOGNIZER_SECRET)],
      readMaxBytes: MAX_MESSAGE_BYTES,
    });
    const rpc = await listenDual(handler, config.RECOGNIZER_PORT, config.RECOGNIZER_HOST);
    // Calls in flight get the default drain; a start-up that failed has none to wait for.
    lifecycle.defer('rpc server', () => rpc.close(started ? undefined : 0));
    const readiness = async () => (serving ? null : 'not serving');
    const metricsUrl = await serveHealth(lifecycle, config, metrics, readiness);
    started = true;
    serving = true;
    lifecycle.defer('serving', () => {
      serving = false;
    });
    const host = config.RECOGNIZER_HOST === '0.0.0.0' ? '127.0.0.1' : config.RECOGNIZER_HOST;
    const url = `http://${host}:${rpc.port}`;
    logger.info({ url, threads: config.ENGINE_THREADS, model: engine.model.name }, 'recognizer started');
    return { url, metricsUrl, close: () => lifecycle.close() };
  });
}
