import { type InputHTMLAttributes, useId } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>;

/**
 * A labelled text input (`field` layout), with an optional hint read out with it. With `error` the field is
 * marked invalid and the error takes the hint's place (said once, next to the field it is about).
 */
export function TextField({
  label,
  value,
  onChange,
  hint,
  error,
  ...input
}: InputProps & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
  error?: string | null;
}) {
  const id = useId();
  const hintId = useId();
  const note = error || hint;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={note ? hintId : undefined}
        aria-invalid={error ? true : undefined}
        {...input}
      />
      {error ? (
        <span id={hintId} className="field-error" role="alert">
          {error}
        </span>
      ) : hint ? (
        <span id={hintId} className="muted">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
