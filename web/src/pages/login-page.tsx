import { type FormEvent, useId, useState } from 'react';
import { ApiError, api, describeError } from '../api.ts';
import { safeNext, useAuth } from '../auth.tsx';
import { TextField } from '../components/text-field.tsx';
import { navigate, useTitle } from '../router.tsx';

/** A sentence for a failed sign-in: wrong credentials and lock-out read differently from a server fault. */
export function loginErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'invalid_code')
      return 'Wrong or already used code. Wait for the next code and try again.';
    if (error.code === 'invalid_credentials' || error.status === 401) return 'Wrong name or password.';
    if (error.code === 'locked' || error.status === 429)
      return `Too many failed attempts: wait a while before trying again. (${error.message})`;
  }
  return describeError(error);
}

export function LoginPage() {
  useTitle('Sign in');
  const { state, signedIn } = useAuth();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  /** The server answered `totp_required`: the account has 2FA on, so the form asks for the code too. */
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(name.trim(), password, needCode ? code.trim() : undefined);
      // Who am I, with what the session allows (a role that must still turn on 2FA sees only that).
      signedIn((await api.me()).user);
      navigate(safeNext(new URLSearchParams(window.location.search).get('next')), { replace: true });
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'totp_required') {
        setNeedCode(true);
        return;
      }
      setError(loginErrorMessage(failure));
      setCode('');
      if (!(failure instanceof ApiError && failure.code === 'invalid_code')) setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth-card">
      <h1>Sign in</h1>
      {state.status === 'signed-out' && state.setupNeeded ? (
        <p className="message" role="note">
          No administrator exists yet. Open the setup link that the server printed when it started, or run{' '}
          <code>faceflow users create-admin --name … --password-stdin</code>.
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)} aria-describedby={error ? errorId : undefined}>
        <TextField
          label="Name"
          name="username"
          autoComplete="username"
          required
          value={name}
          onChange={setName}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
        />
        {needCode ? (
          <TextField
            label="Code"
            name="one-time-code"
            autoComplete="one-time-code"
            inputMode="text"
            required
            autoFocus
            maxLength={32}
            value={code}
            onChange={setCode}
            hint="This account has two-factor sign-in: the 6-digit code from your authenticator app, or one of your recovery codes."
          />
        ) : null}
        {error ? (
          <p id={errorId} className="message message-error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
