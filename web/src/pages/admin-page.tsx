import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { api, type Role } from '../api.ts';
import { useAuth, useCan } from '../auth.tsx';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { TextField } from '../components/text-field.tsx';
import { useTitle } from '../router.tsx';

const ROLES: Role[] = ['viewer', 'editor', 'admin'];

const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

function RoleSelect({ id, value, onChange }: { id: string; value: Role; onChange: (r: Role) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

/** A button that acts only after the browser's own confirmation (keyboard and screen-reader friendly). */
function ConfirmButton({
  question,
  onConfirm,
  children,
}: {
  question: string;
  onConfirm: () => void;
  children: ReactNode;
}) {
  return (
    <button type="button" onClick={() => window.confirm(question) && onConfirm()}>
      {children}
    </button>
  );
}

function Users() {
  const client = useQueryClient();
  const { state } = useAuth();
  const me = state.status === 'signed-in' ? state.user.id : null;
  const users = useQuery({ queryKey: ['users'], queryFn: api.listUsers });
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const roleId = useId();
  const create = useMutation({
    mutationFn: () => api.createUser(name.trim(), password, role),
    onSuccess: () => {
      setName('');
      setPassword('');
      void client.invalidateQueries({ queryKey: ['users'] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.deleteUser(id),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
  const resetTotp = useMutation({
    mutationFn: (id: string) => api.resetUserTotp(id),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };

  return (
    <section aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <form className="filters" onSubmit={submit} aria-label="Add a user">
        <TextField label="Name of a new user" required value={name} onChange={setName} />
        <TextField
          label="Their password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={setPassword}
        />
        <div className="field">
          <label htmlFor={roleId}>Role</label>
          <RoleSelect id={roleId} value={role} onChange={setRole} />
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Add user
        </button>
      </form>
      <ErrorMessage error={create.error} prefix="The user could not be added" />
      <ErrorMessage error={users.error ?? remove.error ?? resetTotp.error} />
      {users.isPending ? <Loading what="users" /> : null}
      {users.data ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Users and their roles</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Two-factor</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((u) => (
                <tr key={u.id} data-user={u.name}>
                  <td>{u.name}</td>
                  <td>{u.role}</td>
                  <td data-testid="user-totp">
                    {u.totpEnabled ? 'on' : 'off'}
                    {u.totpEnabled ? (
                      <>
                        {' '}
                        <ConfirmButton
                          question={`Reset two-factor sign-in of ${u.name}? They sign in with their password alone until they turn it on again; their sessions end.`}
                          onConfirm={() => resetTotp.mutate(u.id)}
                        >
                          Reset 2FA of {u.name}
                        </ConfirmButton>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {u.id === me ? (
                      <span className="muted">you</span>
                    ) : (
                      <ConfirmButton
                        question={`Delete user ${u.name}?`}
                        onConfirm={() => remove.mutate(u.id)}
                      >
                        Delete {u.name}
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function NewKey({ created, onDone }: { created: { name: string; key: string }; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const fieldId = useId();
  const copy = async () => {
    await navigator.clipboard?.writeText(created.key).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div className="message new-key" role="status" data-testid="new-key">
      <p>
        API key <strong>{created.name}</strong> created. Copy it now: it is shown only this once.
      </p>
      <label htmlFor={fieldId} className="visually-hidden">
        The new API key
      </label>
      <input id={fieldId} readOnly value={created.key} onFocus={(e) => e.currentTarget.select()} />
      <p className="card-actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy key'}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}

function Keys() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: api.listKeys });
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const keyRoleId = useId();
  const create = useMutation({
    mutationFn: () => api.createKey(name.trim(), role),
    onSuccess: (answer) => {
      setCreated({ name: answer.name, key: answer.key });
      setName('');
      void client.invalidateQueries({ queryKey: ['keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.revokeKey(id),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['keys'] }),
  });

  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <p className="muted">
        For scripts and services: send it as <code>X-API-Key</code>. Stored only as a hash.
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
        aria-label="Create an API key"
      >
        <TextField label="Name of a new key" required value={name} onChange={setName} />
        <div className="field">
          <label htmlFor={keyRoleId}>Key role</label>
          <RoleSelect id={keyRoleId} value={role} onChange={setRole} />
        </div>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {created ? <NewKey created={created} onDone={() => setCreated(null)} /> : null}
      <ErrorMessage error={create.error} prefix="The key could not be created" />
      <ErrorMessage error={keys.error ?? revoke.error} />
      {keys.data && keys.data.keys.length === 0 ? (
        <p className="empty" data-testid="no-keys">
          No API keys yet. Scripts and other programs sign in with a key: create one above, for the least role
          they need.
        </p>
      ) : null}
      {keys.data && keys.data.keys.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.keys.map((k) => (
                <tr key={k.id} data-key={k.name}>
                  <td>{k.name}</td>
                  <td>{k.role}</td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      `revoked ${when(k.revokedAt)}`
                    ) : (
                      <ConfirmButton question={`Revoke key ${k.name}?`} onConfirm={() => revoke.mutate(k.id)}>
                        Revoke {k.name}
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

/** Admins: who may sign in, with which role, and the API keys of scripts. */
export function AdminPage() {
  useTitle('Users and keys');
  const admin = useCan('admin');
  return (
    <>
      <h1>Users and keys</h1>
      {admin ? (
        <>
          <Users />
          <Keys />
        </>
      ) : (
        <p className="message message-error" role="alert">
          Only administrators manage users and keys.
        </p>
      )}
    </>
  );
}
