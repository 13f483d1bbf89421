import type { ImageStatus } from '../core/image-status.ts';

export interface PersonRef {
  id: string;
  name: string;
}

/** What the UI hears about: status changes of photos, people, and progress of background jobs. */
export type DomainEvent =
  | { type: 'image'; data: { id: string; status: ImageStatus; faces: number; people: PersonRef[] } }
  /** A photo was deleted: open UIs drop it. */
  | { type: 'image_deleted'; data: { id: string } }
  | { type: 'person'; data: { id: string; name: string; deleted: boolean } }
  /** Suggested people changed (faces grouped, a suggestion named or merged, a re-grouping). */
  | { type: 'groups'; data: { reason: 'grouped' | 'regrouped' | 'corrected' } }
  | {
      type: 'job';
      data: {
        id: string;
        kind: 'import' | 'reidentify' | 'average';
        state: 'running' | 'done' | 'failed' | 'cancelled';
        done: number;
        total?: number;
      };
    };

export type PublishedEvent = DomainEvent & { id: number; at: number };

export interface Subscription {
  /** Events after the requested id that are still held; `complete` is false when some were dropped. */
  replay: PublishedEvent[];
  complete: boolean;
  unsubscribe(): void;
}

export interface EventBus {
  publish(event: DomainEvent): PublishedEvent;
  /** Subscribes to new events; with `afterId`, first replays the held events after it (bounded). */
  subscribe(listener: (event: PublishedEvent) => void, afterId?: number): Subscription;
  close(): void;
}
