import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { IMAGE_STATUSES } from '../core/image-status.ts';
import type { EngineStats } from '../ports/face-engine.ts';
import type { ImageCatalog } from '../ports/images.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { PipelineObserver } from '../ports/pipeline-observer.ts';

type BreakerState = 'closed' | 'half_open' | 'open';

export interface MetricsSources {
  queue?: JobQueue;
  images?: Pick<ImageCatalog, 'countByStatus'>;
  engineStats?: () => EngineStats;
}

/** Prometheus metrics of one process, in their own registry (RED for HTTP, queue depth, jobs, engine pool). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly processed: Counter;
  private readonly failed: Counter<'code'>;
  private readonly retried: Counter<'code'>;
  private readonly postponed: Counter;
  private readonly processingSeconds: Histogram;

  constructor(sources: MetricsSources = {}) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'faceflow_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'faceflow_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.processed = new Counter({
      name: 'faceflow_jobs_processed_total',
      help: 'Photos processed',
      registers,
    });
    this.failed = new Counter({
      name: 'faceflow_jobs_failed_total',
      help: 'Photos failed for good',
      labelNames: ['code'],
      registers,
    });
    this.retried = new Counter({
      name: 'faceflow_jobs_retried_total',
      help: 'Photo attempts failed and rescheduled',
      labelNames: ['code'],
      registers,
    });
    this.postponed = new Counter({
      name: 'faceflow_jobs_postponed_total',
      help: 'Photos handed back to the queue untouched because the face engine (recognizer) was unavailable',
      registers,
    });
    this.processingSeconds = new Histogram({
      name: 'faceflow_image_processing_seconds',
      help: 'Time from claim to result written, per photo',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    const { queue, images, engineStats } = sources;
    if (queue) {
      new Gauge({
        name: 'faceflow_queue_depth',
        help: 'Jobs in the queue by state',
        labelNames: ['state'],
        registers,
        async collect() {
          const depth = await queue.depth();
          this.set({ state: 'ready' }, depth.ready);
          this.set({ state: 'in_flight' }, depth.inFlight);
          this.set({ state: 'delayed' }, depth.delayed);
        },
      });
    }
    if (images) {
      new Gauge({
        name: 'faceflow_images',
        help: 'Photos by status',
        labelNames: ['status'],
        registers,
        async collect() {
          const counts = await images.countByStatus();
          for (const status of IMAGE_STATUSES) this.set({ status }, counts[status]);
        },
      });
    }
    if (engineStats) {
      new Gauge({
        name: 'faceflow_engine_pool_threads',
        help: 'Engine worker threads',
        registers,
        collect() {
          this.set(engineStats().threads);
        },
      });
      new Gauge({
        name: 'faceflow_engine_pool_busy',
        help: 'Engine worker threads busy now',
        registers,
        collect() {
          this.set(engineStats().busy);
        },
      });
      new Gauge({
        name: 'faceflow_engine_pool_utilisation',
        help: 'Share of engine threads busy now (0..1)',
        registers,
        collect() {
          const s = engineStats();
          this.set(s.threads === 0 ? 0 : s.busy / s.threads);
        },
      });
      new Gauge({
        name: 'faceflow_engine_wasm_heap_bytes',
        help: "WASM heap held by the engine's threads together (a thread's heap never shrinks)",
        registers,
        collect() {
          const bytes = engineStats().wasmHeapBytes;
          if (bytes !== undefined) this.set(bytes);
        },
      });
      new Gauge({
        name: 'faceflow_engine_runtime',
        help: 'Where the in-process engine runs its networks: 1 for the runtime in use (onnx: ONNX Runtime CPU, wasm: tfjs-WASM)',
        labelNames: ['runtime'],
        registers,
        collect() {
          const runtime = engineStats().runtime;
          if (runtime === undefined) return;
          this.set({ runtime: 'onnx' }, runtime === 'onnx' ? 1 : 0);
          this.set({ runtime: 'wasm' }, runtime === 'wasm' ? 1 : 0);
        },
      });
      new Gauge({
        name: 'faceflow_engine_queued',
        help: 'Photos waiting for an engine thread',
        labelNames: ['priority'],
        registers,
        collect() {
          const s = engineStats();
          this.set({ priority: 'interactive' }, s.queuedInteractive);
          this.set({ priority: 'batch' }, s.queuedBatch);
        },
      });
    }
  }

  observer(): PipelineObserver {
    return {
      imageProcessed: (seconds) => {
        this.processed.inc();
        this.processingSeconds.observe(seconds);
      },
      imageFailed: (code) => this.failed.inc({ code }),
      imageRetried: (code) => this.retried.inc({ code }),
      imagePostponed: () => this.postponed.inc(),
    };
  }

  /**
   * `faceflow_worker_paused`: 1 while the worker takes no jobs because the recognizer is unavailable.
   * Returns the setter the worker calls on each pause and resume.
   */
  workerPaused(): (paused: boolean) => void {
    const gauge = new Gauge({
      name: 'faceflow_worker_paused',
      help: 'Worker taking no jobs because the recognizer is unavailable (1) or working (0)',
      registers: [this.registry],
    });
    gauge.set(0);
    return (paused) => gauge.set(paused ? 1 : 0);
  }

  /**
   * `faceflow_recognizer_breaker_state{state}`: 1 for the remote recognizer's circuit breaker state now
   * (closed, half_open, open), 0 for the others. Returns the setter the engine adapter calls on change.
   */
  recognizerBreaker(): (state: BreakerState) => void {
    return this.breakerGauge('faceflow_recognizer_breaker_state', 'Circuit breaker of the remote recognizer');
  }

  /** `faceflow_search_breaker_state{state}`: the same for the remote search service (SEARCH_URL). */
  searchBreaker(): (state: BreakerState) => void {
    return this.breakerGauge('faceflow_search_breaker_state', 'Circuit breaker of the remote search service');
  }

  /** `faceflow_search_fallback_lookups_total`: lookups the local exact scan answered for the search service. */
  searchFallbacks(): () => void {
    const counter = new Counter({
      name: 'faceflow_search_fallback_lookups_total',
      help: 'Gallery lookups answered by the local exact scan because the search service did not',
      registers: [this.registry],
    });
    return () => counter.inc();
  }

  /**
   * The `search` role: `faceflow_search_seconds` per Nearest call, `faceflow_search_queries_total`, and
   * `faceflow_search_faces{model}`, the faces each held gallery holds. Returns the per-call observer.
   */
  searchService(
    galleries: () => { key: string; size: number }[],
  ): (seconds: number, queries: number) => void {
    const registers = [this.registry];
    const seconds = new Histogram({
      name: 'faceflow_search_seconds',
      help: 'Time to answer one Nearest call (all its queries)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    const queries = new Counter({
      name: 'faceflow_search_queries_total',
      help: 'Embeddings looked up',
      registers,
    });
    new Gauge({
      name: 'faceflow_search_faces',
      help: 'Enrolled faces held in the index, by model',
      labelNames: ['model'],
      registers,
      collect() {
        for (const g of galleries()) this.set({ model: g.key }, g.size);
      },
    });
    return (s, n) => {
      seconds.observe(s);
      queries.inc(n);
    };
  }

  private breakerGauge(name: string, help: string): (state: BreakerState) => void {
    const gauge = new Gauge({
      name,
      help: `${help}: 1 for the current state`,
      labelNames: ['state'],
      registers: [this.registry],
    });
    return (now) => {
      for (const state of ['closed', 'half_open', 'open'] as const)
        gauge.set({ state }, state === now ? 1 : 0);
    };
  }
}
