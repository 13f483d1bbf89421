import { type InputHTMLAttributes, useId } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'>;

/** A labelled text input (`field` layout), with an optional hint read out with it. */
export function TextField({
  label,
  value,
  onChange,
  hint,
  ...input
}: InputProps & { label: string; value: string; onChange: (value: string) => void; hint?: string }) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={hint ? hintId : undefined}
        {...input}
      />
      {hint ? (
        <span id={hintId} className="muted">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
