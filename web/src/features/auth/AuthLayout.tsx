import type { ReactNode } from 'react';
import { Brand } from '../../components/Brand';
import './Auth.css';

export type AuthIcon = 'mail' | 'check' | 'error' | 'key';

const iconPaths: Readonly<Record<AuthIcon, ReactNode>> = {
  mail: (
    <>
      <rect x="3" y="5" width="18" height="14" rx="2.5" />
      <path d="m4 7 8 6 8-6" />
    </>
  ),
  check: <path d="M20 6 9 17l-5-5" />,
  error: <path d="M12 8v5M12 16.5v.5M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z" />,
  key: (
    <>
      <circle cx="8" cy="15" r="4" />
      <path d="m11 12 9-9M17 6l3 3M14 9l2 2" />
    </>
  ),
};

export interface AuthLayoutProps {
  title: string;
  subtitle?: ReactNode;
  /** A large icon above the title, for the result screens. */
  icon?: AuthIcon;
  /** Tone of the icon. */
  tone?: 'accent' | 'ok' | 'error';
  children?: ReactNode;
  /** A line under the card, such as "New to Parley? Create an account". */
  footer?: ReactNode;
}

/**
 * The frame of every signed-out screen: the Parley mark above one centred
 * card holding the title and the form, and a line of links below it.
 */
export function AuthLayout({ title, subtitle, icon, tone = 'accent', children, footer }: AuthLayoutProps) {
  return (
    <div className="auth">
      <header className="auth-brand">
        <Brand to="/welcome" size={40} />
      </header>
      <main id="main" className="auth-main" tabIndex={-1}>
        <section className="auth-card" aria-labelledby="auth-title">
          {icon && (
            <div className={`auth-icon auth-icon-${tone}`}>
              <svg width="28" height="28" viewBox="0 0 24 24" fill="none" stroke="currentColor"
                strokeWidth="1.9" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
                {iconPaths[icon]}
              </svg>
            </div>
          )}
          <h1 id="auth-title" className="auth-title">
            {title}
          </h1>
          {subtitle && <div className="auth-subtitle">{subtitle}</div>}
          {children}
        </section>
        {footer && <p className="auth-footer">{footer}</p>}
      </main>
      <footer className="auth-legal">Parley · group chat and video calls on your own server</footer>
    </div>
  );
}
