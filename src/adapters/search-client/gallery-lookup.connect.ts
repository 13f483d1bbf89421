import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { BrokenCircuitError } from 'cockatiel';
import { AppError } from '../../core/errors.ts';
import type { ModelInfo } from '../../core/face.ts';
import { assertComparable } from '../../core/gallery.ts';
import { type NearestResponse, Search } from '../../gen/faceflow/v1/search_pb.ts';
import type { GalleryAnswer, GalleryLookup } from '../../ports/gallery-lookup.ts';
import type { Logger } from '../../ports/logger.ts';
import { MAX_QUERIES, nearestRequestToWire, nearestResponseFromWire } from '../../wire/search-wire.ts';
import {
  type BreakerState,
  breakerStateOf,
  type CallPolicy,
  callPolicy,
} from '../connect-calls/call-policy.ts';

export interface ConnectGalleryLookupOptions {
  /** `http://host:port` of `faceflow search` (gRPC over h2c), or https://. */
  url: string;
  /** Sent as `authorization: Bearer <secret>` on every call. */
  secret?: string;
  /** The model of the embeddings looked up (the engine's). */
  model: ModelInfo;
  /** Longest one try may take. */
  timeoutMs: number;
  /** Consecutive failed tries that open the breaker, and how long it stays open before one call probes. */
  breakerFailures: number;
  breakerOpenMs: number;
  /** Further tries of a call that failed for a transient reason (default 1). */
  retries?: number;
  /**
   * The process's own exact scan of the store's gallery, asked while the search service is down. Called
   * on the first lookup that needs it, and again after the service has come back and gone again: the
   * copy is dropped when the breaker closes, so a process holds the gallery only while it needs to.
   */
  fallback: () => GalleryLookup;
  log: Logger;
  onBreakerChange?: (state: BreakerState) => void;
  /** Called for each lookup answered by the fallback (metrics). */
  onFallback?: () => void;
}

/**
 * The answers of a batch split into several calls, as one: the oldest gallery version of them (so that
 * a photo matched partly against an older gallery is re-matched), the counts of the last.
 */
function mergeAnswers(answers: GalleryAnswer[]): GalleryAnswer {
  const last = answers.at(-1) as GalleryAnswer;
  return {
    version: Math.min(...answers.map((a) => a.version)),
    size: last.size,
    peopleCount: last.peopleCount,
    nearest: answers.flatMap((a) => a.nearest),
  };
}

/**
 * The gallery of a remote `faceflow search` over gRPC (Connect), behind a circuit breaker: each try has
 * a timeout and a transient failure is tried once more; after `breakerFailures` consecutive failures
 * the breaker opens for `breakerOpenMs`, then the next lookup probes the service. Whatever the service
 * cannot answer (down, slow, breaker open, not serving) is answered by the local fallback, an exact
 * scan of the store's gallery that reads the store's version before every answer just as the service
 * does, so neither ever names a deleted face. Only an `InvalidArgument` (the caller's fault) is an error.
 */
export class ConnectGalleryLookup implements GalleryLookup {
  private local: GalleryLookup | null = null;

  private constructor(
    readonly model: ModelInfo,
    private readonly options: ConnectGalleryLookupOptions,
    private readonly sessions: Http2SessionManager,
    private readonly search: Client<typeof Search>,
    private readonly breaker: CallPolicy['breaker'],
    private readonly policy: CallPolicy['policy'],
  ) {
    // The copy taken while the service was away goes as soon as it answers again.
    breaker.onStateChange((state) => {
      if (breakerStateOf(state) !== 'closed' || !this.local) return;
      options.log.info({ url: options.url }, 'search service back: local gallery copy dropped');
      this.local = null;
    });
  }

  /** Connects lazily: a service that is down at start only means the fallback answers until it is up. */
  static open(options: ConnectGalleryLookupOptions): ConnectGalleryLookup {
    const sessions = new Http2SessionManager(options.url, {
      pingIntervalMs: 10_000,
      idleConnectionTimeoutMs: 60_000,
    });
    const transport = createGrpcTransport({
      baseUrl: options.url,
      sessionManager: sessions,
      interceptors: [
        (next) => (req) => {
          if (options.secret) req.header.set('authorization', `Bearer ${options.secret}`);
          return next(req);
        },
      ],
    });
    const { breaker, policy } = callPolicy({
      service: 'search',
      url: options.url,
      timeoutMs: options.timeoutMs,
      breakerFailures: options.breakerFailures,
      breakerOpenMs: options.breakerOpenMs,
      retries: options.retries ?? 1,
      backoff: { initialDelay: 50, maxDelay: 500 },
      log: options.log,
      onBreakerChange: options.onBreakerChange,
    });
    options.log.info({ url: options.url }, 'using the remote search service');
    return new ConnectGalleryLookup(
      options.model,
      options,
      sessions,
      createClient(Search, transport),
      breaker,
      policy,
    );
  }

  breakerState(): BreakerState {
    return breakerStateOf(this.breaker.state);
  }

  /** Whether a local copy of the gallery is held now (the service was down since it was last up). */
  holdsLocalCopy(): boolean {
    return this.local !== null;
  }

  async nearest(
    embeddings: readonly Float32Array[],
    k: number,
    model: Pick<ModelInfo, 'name' | 'version'> = this.model,
  ): Promise<GalleryAnswer> {
    // The caller's mistakes are told here, the same whichever side would have answered.
    for (const embedding of embeddings) assertComparable(this.model, embedding, model);
    try {
      const answers: GalleryAnswer[] = [];
      for (let start = 0; start === 0 || start < embeddings.length; start += MAX_QUERIES)
        answers.push(await this.ask(embeddings.slice(start, start + MAX_QUERIES), k));
      return mergeAnswers(answers);
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.InvalidArgument)
        throw new AppError('invalid_input', `search: ${error.rawMessage}`, { cause: error });
      if (!(error instanceof BrokenCircuitError))
        this.options.log.warn(
          { url: this.options.url, err: error instanceof Error ? error.message : String(error) },
          'search service did not answer: the local gallery answers',
        );
      return this.fallback().nearest(embeddings, k, model);
    }
  }

  /** One Nearest call under the policy (timeout, retry, breaker). */
  private async ask(embeddings: readonly Float32Array[], k: number): Promise<GalleryAnswer> {
    const request = nearestRequestToWire(this.model, embeddings, k);
    const response = (await this.policy.execute(({ signal }) =>
      this.search.nearest(request, { signal, timeoutMs: this.options.timeoutMs }),
    )) as NearestResponse;
    return nearestResponseFromWire(response, embeddings.length);
  }

  private fallback(): GalleryLookup {
    if (!this.local) {
      this.options.log.warn(
        { url: this.options.url },
        'search service unavailable: loading the gallery from the store for a local exact scan',
      );
      this.local = this.options.fallback();
    }
    this.options.onFallback?.();
    return this.local;
  }

  async close(): Promise<void> {
    this.sessions.abort();
    this.local = null;
  }
}
