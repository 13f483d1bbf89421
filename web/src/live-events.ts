import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ImageDetail, ImagePage, ImageStatus, PersonRef } from './api.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

interface ImageEvent {
  id: string;
  status: ImageStatus;
  faces: number;
  people: PersonRef[];
}

/**
 * Batches query invalidations: during a batch the server sends many events a second, and refetching
 * the lists once per event would flood both sides.
 */
class Invalidator {
  private keys = new Map<string, readonly unknown[]>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: QueryClient,
    private readonly delayMs = 400,
  ) {}

  add(...keys: (readonly unknown[])[]): void {
    for (const key of keys) this.keys.set(JSON.stringify(key), key);
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    this.timer = null;
    const keys = [...this.keys.values()];
    this.keys.clear();
    for (const queryKey of keys) void this.client.invalidateQueries({ queryKey });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

function applyImageEvent(
  client: QueryClient,
  event: ImageEvent,
  invalidate: Invalidator,
  slow: Invalidator,
): void {
  // Patch what is on screen at once; the refetch below brings boxes, errors and new rows.
  client.setQueryData<ImageDetail>(['image', event.id], (old) =>
    old ? { ...old, status: event.status, people: event.people } : old,
  );
  client.setQueriesData<InfiniteData<ImagePage>>({ queryKey: ['images'] }, (old) =>
    old
      ? {
          ...old,
          pages: old.pages.map((page) => ({
            ...page,
            images: page.images.map((row) => (row.id === event.id ? { ...row, status: event.status } : row)),
          })),
        }
      : old,
  );
  invalidate.add(['image', event.id], ['images'], ['counts'], ['system']);
  // People pages and cards change only when a photo gets named; each card costs requests, so refresh them
  // at most every two seconds during a batch.
  if (event.status === 'processed' && event.people.length > 0) slow.add(['person'], ['people-stats']);
}

/** Keeps every query fresh from `GET /api/events` (Server-Sent Events); returns the connection state. */
export function useLiveEvents(): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    const invalidate = new Invalidator(client);
    const slow = new Invalidator(client, 2000);
    const source = new EventSource('/api/events');
    let opened = false;
    source.onopen = () => {
      // After a reconnect some events may have been missed beyond what the server replays: refetch.
      if (opened) void client.invalidateQueries();
      opened = true;
      setState('live');
    };
    source.onerror = () => setState('reconnecting');
    source.addEventListener('image', (e) =>
      applyImageEvent(client, JSON.parse(e.data) as ImageEvent, invalidate, slow),
    );
    source.addEventListener('person', () =>
      invalidate.add(['people'], ['person'], ['people-stats'], ['image'], ['images']),
    );
    source.addEventListener('job', (e) => {
      const job = JSON.parse(e.data) as { state: string };
      invalidate.add(['jobs']);
      if (job.state === 'done')
        invalidate.add(['image'], ['images'], ['person'], ['people-stats'], ['counts']);
    });
    return () => {
      invalidate.stop();
      slow.stop();
      source.close();
    };
  }, [client]);

  return state;
}
