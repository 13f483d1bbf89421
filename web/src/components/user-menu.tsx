import type { Role } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { Link } from '../router.tsx';

const ROLE_WORDS: Record<Role, string> = {
  viewer: 'viewer (may look, not change)',
  editor: 'editor (may upload and name)',
  admin: 'administrator',
};

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
        <span className="user-name">{user.name}</span>
        {/* "admin admin" read as a stutter: the role shows only when the name does not say it already. */}
        {user.name.toLowerCase() === user.role ? null : (
          <>
            {' '}
            <span className="role-badge">{user.role}</span>
          </>
        )}
      </summary>
      <div className="user-menu-panel">
        <p>
          Signed in as <strong>{user.name}</strong>
          <br />
          <span className="muted">Role: {ROLE_WORDS[user.role]}</span>
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
