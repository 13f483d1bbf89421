import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../ports/event-bus.ts';
import { ThroughputTracker } from './throughput.ts';

let nextId = 1;
function image(id: string, status: 'pending' | 'processing' | 'processed' | 'failed', at: number) {
  return { type: 'image', id: nextId++, at, data: { id, status, faces: 0, people: [] } } as PublishedEvent;
}

describe('ThroughputTracker', () => {
  const t0 = 1_700_000_000_000;

  it('counts a photo once when it goes from processing to processed or failed', () => {
    const tracker = new ThroughputTracker(10, 6);
    tracker.observe(image('a', 'processing', t0));
    tracker.observe(image('a', 'processed', t0 + 1000));
    tracker.observe(image('b', 'processing', t0 + 2000));
    tracker.observe(image('b', 'failed', t0 + 3000));
    // Re-identification republishes a processed photo: not a second photo processed.
    tracker.observe(image('a', 'processed', t0 + 4000));
    // A photo never seen processing (processed before this process started) is not counted either.
    tracker.observe(image('c', 'processed', t0 + 4000));
    const series = tracker.series(t0 + 5000);
    expect(series.processed.reduce((a, b) => a + b, 0)).toBe(1);
    expect(series.failed.reduce((a, b) => a + b, 0)).toBe(1);
    expect(series.processed).toHaveLength(6);
    expect(series.processed.at(-1)).toBe(1);
  });

  it('puts photos in their time bucket and forgets buckets older than the window', () => {
    const tracker = new ThroughputTracker(10, 3);
    const start = Math.ceil(t0 / 10_000) * 10_000;
    for (const [i, offset] of [0, 10_000, 10_500, 20_000].entries()) {
      tracker.observe(image(`p${i}`, 'processing', start + offset));
      tracker.observe(image(`p${i}`, 'processed', start + offset));
    }
    expect(tracker.series(start + 20_000).processed).toEqual([1, 2, 1]);
    expect(tracker.series(start + 30_000).processed).toEqual([2, 1, 0]);
    expect(tracker.series(start + 60_000).processed).toEqual([0, 0, 0]);
    expect(tracker.series(start + 30_000).since).toBe(start + 10_000);
  });

  it('stays bounded in the photos it remembers', () => {
    const tracker = new ThroughputTracker(10, 6, 100);
    for (let i = 0; i < 500; i++) tracker.observe(image(`x${i}`, 'processing', t0));
    // The first 400 were forgotten: their end is not counted; the last 100 are remembered.
    for (let i = 400; i < 500; i++) tracker.observe(image(`x${i}`, 'processed', t0));
    tracker.observe(image('x0', 'processed', t0));
    expect(tracker.series(t0).processed.reduce((a, b) => a + b, 0)).toBe(100);
  });
});
