import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { ApiError, type AuthConfig, api, type Role, session, type User } from './api.ts';
import { navigate } from './router.tsx';

/**
 * Who is signed in. `off`: the server has no sign-in at all (an older server) or runs with AUTH=disabled;
 * every action is allowed then, and `disabled` says which (the UI shows a banner for AUTH=disabled).
 */
export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; setupNeeded: boolean }
  | { status: 'signed-in'; user: User }
  | { status: 'off'; disabled: boolean };

interface AuthContextValue {
  state: AuthState;
  /** After login or setup: the answer's user is the one signed in. */
  signedIn(user: User): void;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** Pages anyone may open without a session. */
export const PUBLIC_PATHS = ['/login', '/setup'];

/** Where the login page sends a person back to afterwards: a path of this app, never another site. */
export function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') && !PUBLIC_PATHS.includes(next) ? next : '/';
}

function toLogin(): void {
  const here = window.location.pathname + window.location.search;
  if (PUBLIC_PATHS.includes(window.location.pathname)) return;
  navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
}

async function loadState(): Promise<AuthState> {
  let config: AuthConfig;
  try {
    config = await api.authConfig();
  } catch (error) {
    // A server without the auth routes: nothing to sign in to.
    if (error instanceof ApiError && error.status === 404) return { status: 'off', disabled: false };
    throw error;
  }
  if (config.authDisabled) return { status: 'off', disabled: true };
  // The server says what the session cookies are worth, so a signed-out first visit asks nothing that
  // answers 401 (the browser would log each one as an error).
  const signedOut: AuthState = { status: 'signed-out', setupNeeded: config.setupNeeded };
  if (config.session === 'none') return signedOut;
  if (config.session === 'expired' && !(await session.renew())) return signedOut;
  try {
    return { status: 'signed-in', user: (await api.me()).user };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    return signedOut;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const current = useRef(state);
  current.current = state;

  useEffect(() => {
    let live = true;
    const load = () =>
      loadState()
        .then((next) => {
          if (!live) return;
          setState(next);
          if (next.status === 'signed-out') toLogin();
        })
        .catch(() => {
          // The server cannot be reached: try again shortly rather than show a login that cannot work.
          if (live) setTimeout(load, 2000);
        });
    load();
    const stop = session.onExpired(() => {
      if (current.current.status === 'off') return;
      setState({ status: 'signed-out', setupNeeded: false });
      toLogin();
    });
    return () => {
      live = false;
      stop();
    };
  }, []);

  const signedIn = useCallback((user: User) => setState({ status: 'signed-in', user }), []);
  const signOut = useCallback(async () => {
    await api.logout().catch(() => undefined);
    setState({ status: 'signed-out', setupNeeded: false });
    navigate('/login', { replace: true });
  }, []);

  const value = useMemo(() => ({ state, signedIn, signOut }), [state, signedIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** Whether the one signed in may do what needs `role` (always, when the server has no sign-in). */
export function useCan(role: Role): boolean {
  const { state } = useAuth();
  if (state.status === 'off') return true;
  if (state.status !== 'signed-in') return false;
  return RANK[state.user.role] >= RANK[role];
}
