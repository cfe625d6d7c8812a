import { useId, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';
import './Field.css';

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: string;
  name: string;
  /** The reason the value is not accepted; marks the input invalid. */
  error?: string | undefined;
  /** Guidance shown under the input while there is no error. */
  hint?: ReactNode;
  /** Something to show at the end of the label row (e.g. a "Forgot password?" link). */
  labelAside?: ReactNode;
  ref?: Ref<HTMLInputElement>;
}

/**
 * A labelled text input with its hint and error wired up for assistive
 * technology: the error is announced with the field (aria-describedby) and
 * the input is marked aria-invalid while it has one.
 */
export function Field({ label, error, hint, labelAside, className, ref, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && !error ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={['field', error && 'field-invalid', className].filter(Boolean).join(' ')}>
      <div className="field-label-row">
        <label className="field-label" htmlFor={id}>
          {label}
        </label>
        {labelAside}
      </div>
      <input
        ref={ref}
        id={id}
        className="field-input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {error ? (
        <p id={errorId} className="field-error">
          <svg width="14" height="14" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="12" cy="12" r="10" fill="currentColor" />
            <path className="field-error-mark" d="M12 7v6M12 16.5v.5" strokeWidth="2.4" strokeLinecap="round" />
          </svg>
          {error}
        </p>
      ) : (
        hint && (
          <p id={hintId} className="field-hint">
            {hint}
          </p>
        )
      )}
    </div>
  );
}
