import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { ErrorMessage, Loading } from '../components/messages.tsx';
import { TextField } from '../components/text-field.tsx';
import { useTitle } from '../router.tsx';

/** The enrolment URL as a QR code, drawn on a canvas (nothing leaves the page; no image URL to allow). */
function QrCode({ text }: { text: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current) void QRCode.toCanvas(ref.current, text, { width: 220, margin: 2 });
  }, [text]);
  return (
    <canvas
      ref={ref}
      className="totp-qr"
      role="img"
      aria-label="QR code to scan with your authenticator app"
      data-testid="totp-qr"
    />
  );
}

/** The ten recovery codes, shown once right after 2FA was turned on. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(codes.join('\n')).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div className="message new-key" role="status" data-testid="recovery-codes">
      <p>
        Two-factor sign-in is on. Keep these recovery codes somewhere safe: each one signs you in once in
        place of a code, should you lose your phone. They are shown only this once.
      </p>
      <ol className="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p className="card-actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy codes'}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I have saved them
        </button>
      </p>
    </div>
  );
}

/** Scan (or type) the new secret, then confirm with one code before 2FA is on. */
function Enrolment({
  secret,
  otpauthUrl,
  onEnabled,
  onCancel,
}: {
  secret: string;
  otpauthUrl: string;
  onEnabled: (recoveryCodes: string[]) => void;
  onCancel: () => void;
}) {
  const [code, setCode] = useState('');
  const enable = useMutation({
    mutationFn: () => api.totpEnable(code.replace(/\s/g, '')),
    onSuccess: (answer) => onEnabled(answer.recoveryCodes),
    onError: () => setCode(''),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    enable.mutate();
  };
  return (
    <section aria-labelledby="enrol-heading" className="totp-enrolment">
      <h2 id="enrol-heading">Scan with your authenticator app</h2>
      <QrCode text={otpauthUrl} />
      <p>
        Or enter this secret by hand: <code data-testid="totp-secret">{secret}</code>
      </p>
      <form onSubmit={submit} aria-label="Confirm two-factor sign-in">
        <TextField
          label="Code from the app"
          name="one-time-code"
          autoComplete="one-time-code"
          inputMode="numeric"
          pattern="\s*\d{3}\s?\d{3}\s*"
          maxLength={7}
          required
          value={code}
          onChange={setCode}
          hint="The 6-digit code the app shows now: it proves the app has the secret."
        />
        <ErrorMessage error={enable.error} prefix="Not turned on" />
        <p className="card-actions">
          <button type="submit" className="primary" disabled={enable.isPending}>
            Turn on
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </p>
      </form>
    </section>
  );
}

/** Turning 2FA off needs a current code (or a recovery code). */
function Disable({ onDone }: { onDone: () => void }) {
  const [code, setCode] = useState('');
  const disable = useMutation({
    mutationFn: () => api.totpDisable(code.trim()),
    onSuccess: onDone,
    onError: () => setCode(''),
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        disable.mutate();
      }}
      aria-label="Turn off two-factor sign-in"
    >
      <TextField
        label="Current code or a recovery code"
        autoComplete="one-time-code"
        required
        maxLength={32}
        value={code}
        onChange={setCode}
      />
      <ErrorMessage error={disable.error} prefix="Not turned off" />
      <button type="submit" disabled={disable.isPending}>
        Turn off two-factor sign-in
      </button>
    </form>
  );
}

/** The signed-in user's account: two-factor sign-in (on, off, enrolment and recovery codes). */
export function AccountPage() {
  useTitle('Two-factor sign-in');
  const { state, signedIn } = useAuth();
  const client = useQueryClient();
  const user = state.status === 'signed-in' ? state.user : null;
  const status = useQuery({ queryKey: ['totp'], queryFn: api.totpStatus, enabled: user !== null });
  const [enrolment, setEnrolment] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const setup = useMutation({ mutationFn: api.totpSetup, onSuccess: setEnrolment });
  const refresh = () => void client.invalidateQueries({ queryKey: ['totp'] });

  if (!user || user.kind === 'api_key' || user.kind === 'local')
    return (
      <>
        <h1>Two-factor sign-in</h1>
        <p className="message">Two-factor sign-in belongs to user accounts; this session has none.</p>
      </>
    );

  const finish = () => {
    setRecoveryCodes(null);
    refresh();
    // The role's requirement is met now: the rest of the app opens.
    if (user.mustEnrolTotp) signedIn({ ...user, mustEnrolTotp: false });
  };

  return (
    <>
      <h1>Two-factor sign-in</h1>
      {user.mustEnrolTotp && !recoveryCodes ? (
        <p className="message" role="alert" data-testid="totp-required">
          Your role requires two-factor sign-in. Turn it on to continue.
        </p>
      ) : null}
      <p className="muted">
        With two-factor sign-in, signing in as <strong>{user.name}</strong> also needs the 6-digit code of an
        authenticator app (any TOTP app) on your phone.
      </p>
      {recoveryCodes ? (
        <RecoveryCodes codes={recoveryCodes} onDone={finish} />
      ) : enrolment ? (
        <Enrolment
          {...enrolment}
          onEnabled={(codes) => {
            setEnrolment(null);
            setRecoveryCodes(codes);
          }}
          onCancel={() => setEnrolment(null)}
        />
      ) : status.isPending ? (
        <Loading what="two-factor state" />
      ) : status.data?.enabled ? (
        <>
          <p data-testid="totp-state">
            Two-factor sign-in is <strong>on</strong>. Recovery codes left: {status.data.recoveryCodesLeft}.
          </p>
          {status.data.required ? (
            <p className="muted">Your role requires it, so it cannot be turned off.</p>
          ) : (
            <Disable onDone={refresh} />
          )}
        </>
      ) : (
        <>
          <p data-testid="totp-state">
            Two-factor sign-in is <strong>off</strong>.
          </p>
          <button type="button" className="primary" onClick={() => setup.mutate()} disabled={setup.isPending}>
            Turn on two-factor sign-in
          </button>
        </>
      )}
      <ErrorMessage error={status.error ?? setup.error} />
    </>
  );
}
