import { SharpImageCodec } from '../../adapters/images-sharp/image-codec.sharp.ts';
import type { ApiConfig } from '../../config/roles.config.ts';
import { DEFAULT_MAX_PIXELS } from '../../engine/index.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { FaceEngine } from '../../ports/face-engine.ts';
import type { ImageCodec } from '../../ports/image-decoder.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Tracer } from '../../ports/tracer.ts';

export type InProcessEngineConfig = Pick<ApiConfig, 'ENGINE_THREADS' | 'ENGINE_RUNTIME'>;

/** The keys of a role that can use the remote recognizer (api, worker). */
export type RecognizerClientConfig = Pick<
  ApiConfig,
  | 'RECOGNIZER_URL'
  | 'RECOGNIZER_SECRET'
  | 'RECOGNIZER_TIMEOUT_MS'
  | 'RECOGNIZER_BREAKER_FAILURES'
  | 'RECOGNIZER_BREAKER_OPEN_MS'
  | 'RECOGNIZER_RESOLVE_INTERVAL_MS'
  | 'RECOGNIZER_MAX_CONNECTION_AGE_MS'
>;

/** `all` has no recognizer keys: its engine is always in-process. */
export type EngineConfig = InProcessEngineConfig & (RecognizerClientConfig | { RECOGNIZER_URL?: undefined });

let engineModule: Promise<typeof import('../../engine/index.ts')> | undefined;
/** The engine module, loaded on first use (a test may run a role with its own engine). */
const loadEngineModule = () => {
  engineModule ??= import('../../engine/index.ts');
  return engineModule;
};

/**
 * The in-process engine: a worker-thread pool of ENGINE_THREADS threads, its networks on ENGINE_RUNTIME;
 * logs the runtime the threads use (and why `auto` fell back to WASM, if it did).
 */
export async function inProcessEngine(config: InProcessEngineConfig, log: Logger): Promise<FaceEngine> {
  const engine = await (await loadEngineModule()).createFaceEngine({
    threads: config.ENGINE_THREADS,
    runtime: config.ENGINE_RUNTIME,
  });
  const { kind, fallbackReason } = engine.runtime;
  if (fallbackReason)
    log.warn(
      { runtime: kind, requested: config.ENGINE_RUNTIME, reason: fallbackReason },
      'engine runtime: ONNX did not load, running on WASM',
    );
  else
    log.info(
      { runtime: kind, requested: config.ENGINE_RUNTIME, threads: config.ENGINE_THREADS },
      'engine runtime',
    );
  return engine;
}

/**
 * The engine of a role: the remote recognizer (behind a circuit breaker whose state is exported in
 * `metrics`) when RECOGNIZER_URL is set (api and worker), else the in-process pool (always for `all`).
 */
export async function openEngine(
  config: EngineConfig,
  log: Logger,
  metrics: Metrics,
  tracer?: Tracer,
): Promise<FaceEngine> {
  if (!('RECOGNIZER_TIMEOUT_MS' in config) || !config.RECOGNIZER_URL) return inProcessEngine(config, log);
  const { ConnectFaceEngine } = await import('../../adapters/recognizer-client/face-engine.connect.ts');
  return ConnectFaceEngine.open({
    url: config.RECOGNIZER_URL,
    secret: config.RECOGNIZER_SECRET,
    timeoutMs: config.RECOGNIZER_TIMEOUT_MS,
    breakerFailures: config.RECOGNIZER_BREAKER_FAILURES,
    breakerOpenMs: config.RECOGNIZER_BREAKER_OPEN_MS,
    resolveIntervalMs: config.RECOGNIZER_RESOLVE_INTERVAL_MS,
    maxConnectionAgeMs: config.RECOGNIZER_MAX_CONNECTION_AGE_MS,
    log,
    onBreakerChange: metrics.recognizerBreaker(),
    tracer,
  });
}

/** Decoding through the engine's decoder (every format it reads, with its limits); headers and thumbnails by sharp. */
export function imageCodec(): ImageCodec {
  return new SharpImageCodec(async (bytes) => {
    const decoded = await (await loadEngineModule()).decodeImage(bytes);
    return {
      width: decoded.image.width,
      height: decoded.image.height,
      channels: 3,
      data: decoded.image.data,
    };
  }, DEFAULT_MAX_PIXELS);
}
