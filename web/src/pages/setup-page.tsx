import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { TextField } from '../components/text-field.tsx';
import { navigate, useTitle } from '../router.tsx';
import { loginErrorMessage } from './login-page.tsx';

/** Passwords shorter than this are refused here already (the server has the final say). */
const MIN_PASSWORD = 12;

/** Reads the one-time token from `#token=…` and takes it out of the address bar (and so out of history). */
function takeToken(): string {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  return token;
}

/** First run: the printed setup link opens this page, where the first administrator chooses a password. */
export function SetupPage() {
  useTitle('Set up faceflow');
  const { signedIn } = useAuth();
  const [token] = useState(takeToken);
  const [name, setName] = useState('admin');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  /** The server's refusal (the whole form), or a check of one field here. */
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<{ field: 'password' | 'again'; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setFieldError(null);
    if (password.length < MIN_PASSWORD)
      return setFieldError({
        field: 'password',
        message: `Too short: ${password.length} of at least ${MIN_PASSWORD} characters.`,
      });
    if (password !== again)
      return setFieldError({ field: 'again', message: 'Not the same as the password above.' });
    setBusy(true);
    try {
      await api.setup(token, name.trim(), password);
      signedIn((await api.me()).user);
      navigate('/', { replace: true });
    } catch (failure) {
      setError(
        loginErrorMessage(failure).replace(
          'Wrong name or password.',
          'This setup link is not valid (any more).',
        ),
      );
    } finally {
      setBusy(false);
    }
  };

  if (!token)
    return (
      <div className="auth-card">
        <h1>Set up faceflow</h1>
        <p className="message message-error" role="alert">
          This page needs the setup link that the server printed when it started (it ends in{' '}
          <code>#token=…</code>). Restart the server to get a fresh one, or run{' '}
          <code>faceflow users create-admin</code>.
        </p>
      </div>
    );

  return (
    <div className="auth-card">
      <h1>Set up faceflow</h1>
      <p>Create the first administrator. You will be signed in as them.</p>
      <form onSubmit={(e) => void submit(e)}>
        <TextField
          label="Administrator name"
          autoComplete="username"
          required
          value={name}
          onChange={setName}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint={`At least ${MIN_PASSWORD} characters.`}
          error={fieldError?.field === 'password' ? fieldError.message : null}
          value={password}
          onChange={(value) => {
            setPassword(value);
            // The error is about what was typed before: it goes once the field changes.
            if (fieldError?.field === 'password') setFieldError(null);
          }}
        />
        <TextField
          label="Password again"
          type="password"
          autoComplete="new-password"
          required
          error={fieldError?.field === 'again' ? fieldError.message : null}
          value={again}
          onChange={(value) => {
            setAgain(value);
            if (fieldError?.field === 'again') setFieldError(null);
          }}
        />
        {error ? (
          <p className="message message-error" role="alert" data-testid="setup-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create administrator and sign in'}
        </button>
      </form>
    </div>
  );
}
