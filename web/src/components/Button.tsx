import type { ButtonHTMLAttributes } from 'react';
import { Spinner } from './Spinner';
import './Button.css';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: 'primary' | 'secondary' | 'ghost' | 'danger' | 'quiet';
  size?: 'sm' | 'md' | 'lg';
  /** Shows a spinner and disables the button while an action runs. */
  busy?: boolean;
  /** Stretches the button to the full width of its container. */
  block?: boolean;
}

/** A button in the app's style; `type` defaults to "button", not "submit". */
export function Button({
  variant = 'secondary',
  size = 'md',
  busy = false,
  block = false,
  className,
  type = 'button',
  disabled,
  children,
  ...rest
}: ButtonProps) {
  const classes = ['btn', `btn-${variant}`, `btn-${size}`, block && 'btn-block', className]
    .filter(Boolean)
    .join(' ');
  return (
    <button
      type={type}
      className={classes}
      disabled={disabled === true || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && <Spinner />}
      {children}
    </button>
  );
}
