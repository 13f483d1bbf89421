import { useEffect, useRef } from 'react';
import { type AuthState, useAuth, useCan } from './auth.tsx';
import { Loading } from './components/messages.tsx';
import { AuthDisabledBanner, UserMenu } from './components/user-menu.tsx';
import { type LiveState, useLiveEvents } from './live-events.ts';
import { AccountPage } from './pages/account-page.tsx';
import { AdminPage } from './pages/admin-page.tsx';
import { CameraPage } from './pages/camera-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { PeoplePage } from './pages/people-page.tsx';
import { PersonPage } from './pages/person-page.tsx';
import { PhotoPage } from './pages/photo-page.tsx';
import { PhotosPage } from './pages/photos-page.tsx';
import { SetupPage } from './pages/setup-page.tsx';
import { SystemPage } from './pages/system-page.tsx';
import { UploadPage } from './pages/upload-page.tsx';
import { Link, matchRoute, type Route, usePath, useTitle } from './router.tsx';

const NAV: { href: string; label: string; pages: Route['page'][]; show?: 'editor' | 'admin' }[] = [
  { href: '/', label: 'Photos', pages: ['photos', 'photo'] },
  { href: '/people', label: 'People', pages: ['people', 'person'] },
  { href: '/upload', label: 'Upload', pages: ['upload'], show: 'editor' },
  // Identifying a frame is a POST, which the server keeps for editors.
  { href: '/camera', label: 'Camera', pages: ['camera'], show: 'editor' },
  { href: '/system', label: 'System', pages: ['system'] },
  { href: '/admin', label: 'Admin', pages: ['admin'], show: 'admin' },
];

/** Whose session the event stream runs in: null while nobody is signed in. */
function streamOwner(state: AuthState): string | null {
  if (state.status === 'signed-in') return state.user.id;
  return state.status === 'off' ? 'everyone' : null;
}

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
    case 'login':
      return <LoginPage />;
    case 'setup':
      return <SetupPage />;
    case 'admin':
      return <AdminPage />;
    case 'account':
      return <AccountPage />;
    case 'not-found':
      return <NotFound path={route.path} />;
  }
}

function MainNav({ route }: { route: Route }) {
  const { state } = useAuth();
  const editor = useCan('editor');
  const admin = useCan('admin') && state.status === 'signed-in';
  const shown = NAV.filter((item) => !item.show || (item.show === 'editor' ? editor : admin));
  return (
    <nav aria-label="Main">
      <ul>
        {shown.map((item) => (
          <li key={item.href}>
            <Link href={item.href} aria-current={item.pages.includes(route.page) ? 'page' : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function App() {
  const path = usePath();
  const route = matchRoute(path);
  const { state } = useAuth();
  const live = useLiveEvents(streamOwner(state));
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef(path);
  const signInPage = route.page === 'login' || route.page === 'setup';
  const ready = state.status === 'signed-in' || state.status === 'off';
  // A role that requires 2FA (TOTP_REQUIRED) can do nothing else until it is on: the account page only.
  const mustEnrol = state.status === 'signed-in' && state.user.mustEnrolTotp === true && !signInPage;
  const shown: Route = mustEnrol ? { page: 'account' } : route;

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
        {ready && !signInPage ? (
          <>
            {mustEnrol ? null : <MainNav route={route} />}
            <span className={`live live-${live}`} role="status" title="Live updates from the server">
              {LIVE_TEXT[live]}
            </span>
            <UserMenu />
          </>
        ) : null}
      </header>
      <AuthDisabledBanner />
      <main id="main" ref={main} tabIndex={-1}>
        {signInPage || ready ? <Page route={shown} /> : <Loading what="your session" />}
      </main>
    </>
  );
}
