import type { ImageStatus } from '../core/image-status.ts';
import type { PublishedEvent } from '../ports/event-bus.ts';

export interface ThroughputSeries {
  /** Seconds per bucket. */
  bucketSeconds: number;
  /** Start of the first bucket (ms since the epoch); buckets run oldest to newest, the last one is now. */
  since: number;
  processed: number[];
  failed: number[];
}

/**
 * Photos finished per time bucket, counted from the event stream: a photo counts once when it goes from
 * `processing` to `processed` (or `failed`). Re-identification republishes processed photos; those are not
 * counted, because their previous status was not `processing`.
 */
export class ThroughputTracker {
  private readonly lastStatus = new Map<string, ImageStatus>();
  private readonly processed = new Map<number, number>();
  private readonly failed = new Map<number, number>();

  constructor(
    readonly bucketSeconds = 10,
    readonly buckets = 60,
    private readonly maxTracked = 20_000,
  ) {}

  observe(event: PublishedEvent): void {
    if (event.type !== 'image') return;
    const { id, status } = event.data;
    const previous = this.lastStatus.get(id);
    this.lastStatus.delete(id);
    this.lastStatus.set(id, status);
    if (this.lastStatus.size > this.maxTracked) {
      const oldest = this.lastStatus.keys().next().value;
      if (oldest !== undefined) this.lastStatus.delete(oldest);
    }
    if (previous !== 'processing') return;
    const target = status === 'processed' ? this.processed : status === 'failed' ? this.failed : null;
    if (!target) return;
    const bucket = Math.floor(event.at / 1000 / this.bucketSeconds);
    target.set(bucket, (target.get(bucket) ?? 0) + 1);
    this.prune(bucket);
  }

  series(now: number): ThroughputSeries {
    const last = Math.floor(now / 1000 / this.bucketSeconds);
    const first = last - this.buckets + 1;
    this.prune(last);
    const read = (map: Map<number, number>) =>
      Array.from({ length: this.buckets }, (_, i) => map.get(first + i) ?? 0);
    return {
      bucketSeconds: this.bucketSeconds,
      since: first * this.bucketSeconds * 1000,
      processed: read(this.processed),
      failed: read(this.failed),
    };
  }

  private prune(current: number): void {
    for (const map of [this.processed, this.failed])
      for (const bucket of map.keys()) if (bucket <= current - this.buckets) map.delete(bucket);
  }
}
