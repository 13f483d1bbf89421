import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import {
  session as browserSession,
  type ImageDetail,
  type ImagePage,
  type ImageStatus,
  type PersonRef,
} from './api.ts';

const renewSession = () => browserSession.renew();

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
  // People pages and cards (photo counts) change only when a photo gets named; refresh them at most every
  // two seconds during a batch.
  if (event.status === 'processed' && event.people.length > 0)
    slow.add(['people'], ['person'], ['people-stats']);
}

/** A photo was deleted (here or elsewhere): drop it from every list at once, then let the counts refetch. */
function applyImageDeleted(client: QueryClient, id: string, invalidate: Invalidator): void {
  client.setQueriesData<InfiniteData<ImagePage>>({ queryKey: ['images'] }, (old) =>
    old
      ? {
          ...old,
          pages: old.pages.map((page) => ({ ...page, images: page.images.filter((row) => row.id !== id) })),
        }
      : old,
  );
  // A page showing it refetches and says it is gone; elsewhere the cached copy is dropped.
  client.removeQueries({ queryKey: ['image', id], exact: true, type: 'inactive' });
  invalidate.add(['image', id], ['images'], ['counts'], ['system'], ['person'], ['people-stats']);
}

/**
 * Keeps every query fresh from `GET /api/events` (Server-Sent Events); returns the connection state.
 * `session` names who is signed in: the stream is opened again when it changes (the browser sends the new
 * session cookie), and not at all while it is null.
 */
export function useLiveEvents(session: string | null): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    if (session === null) return;
    const invalidate = new Invalidator(client);
    const slow = new Invalidator(client, 2000);
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let opened = false;
    let stopped = false;
    let delayMs = 1000;

    const connect = () => {
      const stream = new EventSource('/api/events');
      source = stream;
      stream.onopen = () => {
        // After a reconnect some events may have been missed beyond what the server replays: refetch.
        if (opened) void client.invalidateQueries();
        opened = true;
        delayMs = 1000;
        setState('live');
      };
      stream.onerror = () => {
        setState('reconnecting');
        // The browser retries by itself after a network error, but gives up on an HTTP error (an expired
        // session answers 401): renew the session, then open the stream again.
        if (stream.readyState !== EventSource.CLOSED || stopped) return;
        retry = setTimeout(() => {
          void renewSession().finally(() => {
            if (!stopped) connect();
          });
        }, delayMs);
        delayMs = Math.min(delayMs * 2, 15_000);
      };
      stream.addEventListener('image', (e) =>
        applyImageEvent(client, JSON.parse(e.data) as ImageEvent, invalidate, slow),
      );
      stream.addEventListener('image_deleted', (e) =>
        applyImageDeleted(client, (JSON.parse(e.data) as { id: string }).id, invalidate),
      );
      stream.addEventListener('person', () =>
        invalidate.add(['people'], ['person'], ['people-stats'], ['image'], ['images']),
      );
      // Suggested people changed (faces grouped, a suggestion named or merged, a re-grouping).
      stream.addEventListener('groups', () => invalidate.add(['people'], ['person']));
      stream.addEventListener('job', (e) => {
        const job = JSON.parse(e.data) as { state: string };
        invalidate.add(['jobs']);
        if (job.state === 'done')
          invalidate.add(['image'], ['images'], ['person'], ['people-stats'], ['counts']);
      });
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      invalidate.stop();
      slow.stop();
      source?.close();
    };
  }, [client, session]);

  return state;
}
