import { useEffect, useRef } from 'react';
import { type LiveState, useLiveEvents } from './live-events.ts';
import { CameraPage } from './pages/camera-page.tsx';
import { PeoplePage } from './pages/people-page.tsx';
import { PersonPage } from './pages/person-page.tsx';
import { PhotoPage } from './pages/photo-page.tsx';
import { PhotosPage } from './pages/photos-page.tsx';
import { SystemPage } from './pages/system-page.tsx';
import { UploadPage } from './pages/upload-page.tsx';
import { Link, matchRoute, type Route, usePath, useTitle } from './router.tsx';

const NAV: { href: string; label: string; pages: Route['page'][] }[] = [
  { href: '/', label: 'Photos', pages: ['photos', 'photo'] },
  { href: '/people', label: 'People', pages: ['people', 'person'] },
  { href: '/upload', label: 'Upload', pages: ['upload'] },
  { href: '/camera', label: 'Camera', pages: ['camera'] },
  { href: '/system', label: 'System', pages: ['system'] },
];

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
};

function NotFound({ path }: { path: string }) {
  useTitle('Not found');
  return (
    <>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Go to Photos</Link>.
      </p>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'photos':
      return <PhotosPage />;
    case 'photo':
      return <PhotoPage id={route.id} />;
    case 'people':
      return <PeoplePage />;
    case 'person':
      return <PersonPage id={route.id} />;
    case 'upload':
      return <UploadPage />;
    case 'camera':
      return <CameraPage />;
    case 'system':
      return <SystemPage />;
    case 'not-found':
      return <NotFound path={route.path} />;
  }
}

export function App() {
  const path = usePath();
  const route = matchRoute(path);
  const live = useLiveEvents();
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(path);

  // After a client-side navigation, move focus to the new page (as a full page load would). Comparing with
  // the path last shown keeps the first render (and effects run twice) from stealing the focus.
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    main.current?.focus();
    window.scrollTo(0, 0);
  }, [path]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          faceflow
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className={`live live-${live}`} role="status" title="Live updates from the server">
          {LIVE_TEXT[live]}
        </span>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
