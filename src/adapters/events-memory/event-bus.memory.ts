import type { Clock } from '../../ports/clock.ts';
import { systemClock } from '../../ports/clock.ts';
import type { DomainEvent, EventBus, PublishedEvent, Subscription } from '../../ports/event-bus.ts';

/** In-process event bus keeping the last `capacity` events for replay (SSE Last-Event-ID). */
export class MemoryEventBus implements EventBus {
  private readonly buffer: PublishedEvent[] = [];
  private readonly listeners = new Set<(event: PublishedEvent) => void>();
  private lastId = 0;

  constructor(
    private readonly capacity = 1000,
    private readonly clock: Clock = systemClock,
  ) {}

  publish(event: DomainEvent): PublishedEvent {
    const published = { ...event, id: ++this.lastId, at: this.clock.now() } as PublishedEvent;
    this.buffer.push(published);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const listener of this.listeners) {
      try {
        listener(published);
      } catch {
        // a failing listener must not stop the others
      }
    }
    return published;
  }

  subscribe(listener: (event: PublishedEvent) => void, afterId?: number): Subscription {
    let replay: PublishedEvent[] = [];
    let complete = true;
    if (afterId !== undefined && afterId < this.lastId) {
      replay = this.buffer.filter((e) => e.id > afterId);
      const oldest = this.buffer[0]?.id ?? this.lastId + 1;
      complete = oldest <= afterId + 1;
    } else if (afterId !== undefined && afterId > this.lastId) {
      // An id this bus never gave out: the process restarted, and what happened meanwhile is unknown.
      complete = false;
    }
    this.listeners.add(listener);
    return { replay, complete, unsubscribe: () => this.listeners.delete(listener) };
  }

  close(): void {
    this.listeners.clear();
  }
}
