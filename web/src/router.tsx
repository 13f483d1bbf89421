import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useSyncExternalStore } from 'react';

/** A small History API router: the server answers every UI path with index.html. */
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** The query string of the current URL (`?a=b`, or ''), re-read on every navigation. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, () => window.location.search);
}

/**
 * Changes some query parameters of the current URL in place (replaceState): filters live in the URL, so a
 * reload or Back from a page opened from the list finds them again. Empty values are removed.
 */
export function setSearchParams(changes: Record<string, string | undefined>): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const query = params.toString();
  navigate(`${window.location.pathname}${query ? `?${query}` : ''}`, { replace: true });
}

export type Route =
  | { page: 'photos' }
  | { page: 'photo'; id: string }
  | { page: 'people' }
  | { page: 'person'; id: string }
  | { page: 'upload' }
  | { page: 'camera' }
  | { page: 'system' }
  | { page: 'login' }
  | { page: 'setup' }
  | { page: 'admin' }
  | { page: 'account' }
  | { page: 'not-found'; path: string };

export function matchRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { page: 'not-found', path };
  if (!first || (first === 'photos' && !second)) return { page: 'photos' };
  if (first === 'photos' && second) return { page: 'photo', id: second };
  if (first === 'people') return second ? { page: 'person', id: second } : { page: 'people' };
  if (
    !second &&
    (first === 'upload' ||
      first === 'camera' ||
      first === 'system' ||
      first === 'login' ||
      first === 'setup' ||
      first === 'admin' ||
      first === 'account')
  )
    return { page: first };
  return { page: 'not-found', path };
}

export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}

/** Sets the document title, so screen readers announce the page after a client-side navigation. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · faceflow`;
  }, [title]);
}
