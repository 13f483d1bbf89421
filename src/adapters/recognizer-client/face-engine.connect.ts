import { type Client, Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { BrokenCircuitError, CircuitState } from 'cockatiel';
import { AppError } from '../../core/errors.ts';
import type { FaceAnalysis, ModelInfo } from '../../core/face.ts';
import { Recognizer } from '../../gen/faceflow/v1/recognizer_pb.ts';
import { Health, HealthCheckResponse_ServingStatus } from '../../gen/grpc/health/v1/health_pb.ts';
import {
  type AnalyzeOptions,
  type BatchItemResult,
  type EngineStats,
  EngineUnavailableError,
  type FaceEngine,
} from '../../ports/face-engine.ts';
import type { Logger } from '../../ports/logger.ts';
import type { Tracer } from '../../ports/tracer.ts';
import { modelFromWire, priorityToWire, resultFromWire, singleFromWire } from '../../wire/face-wire.ts';
import {
  type BreakerState,
  breakerStateOf,
  type CallPolicy,
  callPolicy,
  isTransient,
} from '../connect-calls/call-policy.ts';
import { AddressBalancer, lookupAll, type Resolver, urlForAddress } from './address-balancer.ts';
import { clientTraceInterceptor } from './trace-interceptor.ts';

export { type BreakerState, isTransient };

export interface ConnectFaceEngineOptions {
  /** `http://host:port` of `faceflow recognizer` (gRPC over h2c). */
  url: string;
  /** Sent as `authorization: Bearer <secret>` on every call. */
  secret?: string;
  /** Longest one call may take. */
  timeoutMs: number;
  /** Consecutive failed calls (each try counts) that open the breaker. */
  breakerFailures: number;
  /** How long the breaker stays open before a health check may close it again. */
  breakerOpenMs: number;
  /** Further tries of a call that failed for a transient reason, with exponential backoff. */
  retries?: number;
  /** How long `open` waits for the recognizer to answer at start. */
  startupWaitMs?: number;
  /** How often the host of `url` is resolved again to find added and removed addresses (0: never). */
  resolveIntervalMs?: number;
  /** A connection older than this is replaced at the next re-resolution (0: kept while its address is). */
  maxConnectionAgeMs?: number;
  /** Resolves the host of `url` to every address (default: `node:dns` lookup with `all`). */
  resolve?: Resolver;
  log: Logger;
  onBreakerChange?: (state: BreakerState) => void;
  /** Each call in a client span whose context goes with it (absent: untraced). */
  tracer?: Tracer;
}

/** One address of the recognizer: its own HTTP/2 connection and clients over it. */
interface Channel {
  sessions: Http2SessionManager;
  recognizer: Client<typeof Recognizer>;
  health: Client<typeof Health>;
}

function openChannel(baseUrl: string, servername: string | undefined, interceptors: Interceptor[]): Channel {
  const sessions = new Http2SessionManager(
    baseUrl,
    { pingIntervalMs: 10_000, idleConnectionTimeoutMs: 30_000 },
    servername ? { servername } : undefined,
  );
  const transport = createGrpcTransport({ baseUrl, sessionManager: sessions, interceptors });
  return {
    sessions,
    recognizer: createClient(Recognizer, transport),
    health: createClient(Health, transport),
  };
}

/**
 * The face engine of a remote `faceflow recognizer`, over gRPC (Connect), behind a circuit breaker:
 * each call has a timeout and is retried with backoff on transient failures; after `breakerFailures`
 * consecutive failures the breaker opens for `breakerOpenMs`, then a health check (half-open probe)
 * decides whether calls flow again. While it is open, calls fail fast with `EngineUnavailableError`
 * (a worker then gives the photo back to the queue without spending an attempt).
 *
 * Balancing: the host of `url` is resolved to every address (a Kubernetes headless Service answers
 * one per ready pod), one HTTP/2 connection is kept per address and calls go round robin; the name is
 * resolved again every `resolveIntervalMs`, and connections older than `maxConnectionAgeMs` are
 * replaced, so one long-lived connection never pins every call on one pod.
 *
 * One breaker for the service, not one per address: the breaker answers the worker's question "can
 * photos be processed now, or should jobs wait?", which is about the service. Each try of a call takes
 * the next address, so a single dead pod costs one failed try (the retry lands elsewhere and resets
 * the consecutive count) until re-resolution drops it; the breaker opens only when tries keep failing
 * on every address. Per-address breakers would need an "all open" rule on top for that decision and
 * multiply the half-open probes.
 */
export class ConnectFaceEngine implements FaceEngine {
  private inFlight = 0;
  /** When the breaker last opened (its half-open probe is due `breakerOpenMs` later). */
  private openedAt = 0;
  /** Settles the `whenAvailable()` promises handed out while the breaker is not closed. */
  private recovered: { promise: Promise<void>; resolve: () => void } | null = null;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly model: ModelInfo,
    private readonly options: ConnectFaceEngineOptions,
    private readonly channels: AddressBalancer<Channel>,
    private readonly closeChannels: () => void,
    private readonly breaker: CallPolicy['breaker'],
    private readonly policy: CallPolicy['policy'],
  ) {
    breaker.onStateChange((state) => {
      if (state === CircuitState.Open) this.openedAt = Date.now();
      if (state === CircuitState.Closed) {
        clearTimeout(this.probeTimer);
        this.probeTimer = undefined;
        this.recovered?.resolve();
        this.recovered = null;
      } else this.scheduleProbe();
    });
  }

  static async open(options: ConnectFaceEngineOptions): Promise<ConnectFaceEngine> {
    const auth: Interceptor = (next) => (req) => {
      if (options.secret) req.header.set('authorization', `Bearer ${options.secret}`);
      return next(req);
    };
    const interceptors = options.tracer ? [clientTraceInterceptor(options.tracer), auth] : [auth];
    const url = new URL(options.url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const servername = url.protocol === 'https:' ? host : undefined;
    // A retired connection is given the longest call's time to finish what it carries.
    const retiring = new Set<Http2SessionManager>();
    let closed = false;
    const channels = new AddressBalancer<Channel>({
      host,
      resolve: options.resolve ?? lookupAll,
      maxAgeMs: options.maxConnectionAgeMs,
      open: (address) => openChannel(urlForAddress(options.url, address), servername, interceptors),
      retire: ({ sessions }) => {
        if (closed) return sessions.abort();
        retiring.add(sessions);
        setTimeout(() => {
          retiring.delete(sessions);
          sessions.abort();
        }, options.timeoutMs).unref();
      },
      onChange: (addresses) => options.log.info({ url: options.url, addresses }, 'recognizer addresses'),
      onResolveError: (error) =>
        options.log.warn(
          { url: options.url, err: String(error) },
          'resolving the recognizer failed; keeping the addresses known',
        ),
    });
    const closeChannels = () => {
      closed = true;
      channels.close();
      for (const sessions of retiring) sessions.abort();
      retiring.clear();
    };
    const { breaker, policy } = callPolicy({
      service: 'recognizer',
      url: options.url,
      timeoutMs: options.timeoutMs,
      breakerFailures: options.breakerFailures,
      breakerOpenMs: options.breakerOpenMs,
      retries: options.retries ?? 2,
      backoff: { initialDelay: 100, maxDelay: 2000 },
      log: options.log,
      onBreakerChange: options.onBreakerChange,
    });

    const deadline = Date.now() + (options.startupWaitMs ?? 60_000);
    for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
      try {
        await channels.refresh();
        const answer = await channels.next().recognizer.getModel({}, { timeoutMs: options.timeoutMs });
        const model = modelFromWire(answer.model);
        options.log.info(
          { url: options.url, addresses: channels.addresses(), model: model.name },
          'using the remote recognizer',
        );
        channels.startRefreshing(options.resolveIntervalMs ?? 30_000);
        return new ConnectFaceEngine(model, options, channels, closeChannels, breaker, policy);
      } catch (error) {
        if (!isTransient(error) || Date.now() + wait > deadline) {
          closeChannels();
          throw new AppError(
            'unavailable',
            `the recognizer at ${options.url} does not answer: ${String(error)}`,
            {
              cause: error,
            },
          );
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** The breaker's state now. */
  breakerState(): BreakerState {
    return breakerStateOf(this.breaker.state);
  }

  /** Calls can go through: the breaker is closed (open fails fast; half-open waits for its probe). */
  available(): boolean {
    return this.breaker.state === CircuitState.Closed;
  }

  /**
   * Resolves when the breaker closes again. While someone waits, the half-open probe (the health
   * service) runs on its own as soon as the breaker allows it, so a paused worker needs no photo to
   * find the recognizer back.
   */
  whenAvailable(): Promise<void> {
    if (this.available()) return Promise.resolve();
    if (!this.recovered) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.recovered = { promise, resolve };
    }
    this.scheduleProbe();
    return this.recovered.promise;
  }

  /** Probes once the open breaker allows a half-open call, while someone waits for the recovery. */
  private scheduleProbe(): void {
    if (this.probeTimer || !this.recovered || this.closed) return;
    // Half-open: a call is probing now; its outcome closes the breaker or opens it (and comes back here).
    if (this.breaker.state !== CircuitState.Open) return;
    const due = Math.max(0, this.openedAt + this.options.breakerOpenMs - Date.now());
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      // A failed probe opens the breaker again, which schedules the next one; one that came too
      // early (BrokenCircuitError) leaves it open and is scheduled again here.
      this.probe()
        .catch(() => {})
        .finally(() => this.scheduleProbe());
    }, due + 10);
    this.probeTimer.unref();
  }

  /** Half-open probe: the health service, not a photo, decides whether the breaker closes. */
  private async probe(): Promise<void> {
    await this.breaker.execute(async () => {
      const answer = await this.channels
        .next()
        .health.check(
          { service: Recognizer.typeName },
          { timeoutMs: Math.min(this.options.timeoutMs, 5000) },
        );
      if (answer.status !== HealthCheckResponse_ServingStatus.SERVING)
        throw new ConnectError('the recognizer is not serving', Code.Unavailable);
    });
  }

  /** The addresses calls are spread over now. */
  addresses(): string[] {
    return this.channels.addresses();
  }

  /** Runs `run` under the policy; every try (retries included) takes the next address. */
  private async call<T>(
    run: (recognizer: Channel['recognizer'], signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.inFlight++;
    try {
      if (this.breaker.state !== CircuitState.Closed) await this.probe();
      return (await this.policy.execute(({ signal }) => run(this.channels.next().recognizer, signal))) as T;
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new EngineUnavailableError(
          'the recognizer circuit breaker is open',
          this.options.breakerOpenMs,
          error,
        );
      if (isTransient(error))
        throw new EngineUnavailableError(
          `the recognizer does not answer: ${error instanceof Error ? error.message : String(error)}`,
          this.options.breakerOpenMs,
          error,
        );
      if (error instanceof ConnectError)
        throw new AppError(
          error.code === Code.InvalidArgument ? 'invalid_input' : 'engine_failure',
          `recognizer: ${error.rawMessage}`,
          { cause: error, retryable: error.code !== Code.InvalidArgument },
        );
      throw error;
    } finally {
      this.inFlight--;
    }
  }

  async analyze(image: Uint8Array, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    const answer = await this.call((recognizer, signal) =>
      recognizer.embed(
        { images: [image], priority: priorityToWire(options.priority) },
        { signal, timeoutMs: this.options.timeoutMs },
      ),
    );
    return singleFromWire(answer.results, this.model);
  }

  async analyzeBatch(images: Uint8Array[], options: AnalyzeOptions = {}): Promise<BatchItemResult[]> {
    if (images.length === 0) return [];
    const answer = await this.call((recognizer, signal) =>
      recognizer.embed(
        { images, priority: priorityToWire(options.priority) },
        { signal, timeoutMs: this.options.timeoutMs },
      ),
    );
    return answer.results.map((r) => resultFromWire(r, this.model));
  }

  stats(): EngineStats {
    return { threads: 0, busy: this.inFlight, queuedInteractive: 0, queuedBatch: 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.probeTimer);
    this.closeChannels();
  }
}
