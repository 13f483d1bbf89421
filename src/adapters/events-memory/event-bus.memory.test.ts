import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../ports/event-bus.ts';
import { MemoryEventBus } from './event-bus.memory.ts';

const person = (n: number) => ({
  type: 'person' as const,
  data: { id: `p${n}`, name: `P${n}`, deleted: false },
});

describe('MemoryEventBus', () => {
  it('numbers events and replays the ones after Last-Event-ID', () => {
    const bus = new MemoryEventBus(10);
    for (let i = 1; i <= 5; i++) bus.publish(person(i));
    const live: PublishedEvent[] = [];
    const sub = bus.subscribe((e) => live.push(e), 3);
    expect(sub.replay.map((e) => e.id)).toEqual([4, 5]);
    expect(sub.complete).toBe(true);
    bus.publish(person(6));
    expect(live.map((e) => e.id)).toEqual([6]);
    sub.unsubscribe();
    bus.publish(person(7));
    expect(live).toHaveLength(1);
  });

  it('keeps a bounded number of events and says when some were missed', () => {
    const bus = new MemoryEventBus(3);
    for (let i = 1; i <= 10; i++) bus.publish(person(i));
    const sub = bus.subscribe(() => {}, 2);
    expect(sub.replay.map((e) => e.id)).toEqual([8, 9, 10]);
    expect(sub.complete).toBe(false);
    expect(bus.subscribe(() => {}, 7).complete).toBe(true);
    // a Last-Event-ID from before a restart
    expect(bus.subscribe(() => {}, 500).complete).toBe(false);
  });
});
