import { useAuth } from '../auth.tsx';
import { Link } from '../router.tsx';

/** The signed-in user's name and role, and the way out. A disclosure: Enter/Space opens it, Escape closes. */
export function UserMenu() {
  const { state, signOut } = useAuth();
  if (state.status !== 'signed-in') return null;
  const { user } = state;
  return (
    <details
      className="user-menu"
      onKeyDown={(e) => {
        if (e.key === 'Escape') e.currentTarget.open = false;
      }}
    >
      <summary aria-label={`Account: ${user.name}, ${user.role}`}>
        <span className="user-name">{user.name}</span> <span className="role-badge">{user.role}</span>
      </summary>
      <div className="user-menu-panel">
        <p>
          Signed in as <strong>{user.name}</strong> ({user.role})
        </p>
        {user.kind === 'user' || user.kind === undefined ? (
          <p>
            <Link
              href="/account"
              onClick={(e) => {
                const menu = e.currentTarget.closest('details');
                if (menu) menu.open = false;
              }}
            >
              Two-factor sign-in
            </Link>
          </p>
        ) : null}
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </details>
  );
}

/** AUTH=disabled: say plainly that anyone who reaches the server can do anything. */
export function AuthDisabledBanner() {
  const { state } = useAuth();
  if (state.status !== 'off' || !state.disabled) return null;
  return (
    <p className="banner" role="status" data-testid="auth-disabled">
      Sign-in is turned off (AUTH=disabled): everyone who can reach this server may do everything. Use it only
      on a machine of your own.
    </p>
  );
}
