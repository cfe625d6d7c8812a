import type { ReactNode } from 'react';
import { Link } from '../app/router';
import { useSessionState } from '../session/SessionContext';
import { Brand } from './Brand';
import { Logo } from './Logo';
import './Button.css';
import './Shell.css';

/** The frame of the public pages (landing, not found): top bar, main landmark, footer. */
export function Shell({ children }: { children: ReactNode }) {
  const state = useSessionState();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Brand to="/welcome" />
          <nav className="topbar-actions" aria-label="Account">
            {state.status === 'signedIn' ? (
              <Link to="/" className="btn btn-primary btn-sm">
                Open Parley
              </Link>
            ) : state.status === 'signedOut' ? (
              <>
                <Link to="/login" className="btn btn-quiet btn-sm">
                  Sign in
                </Link>
                <Link to="/register" className="btn btn-primary btn-sm">
                  Create account
                </Link>
              </>
            ) : null}
          </nav>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        <div className="footer-inner">
          <span className="footer-brand">
            <Logo size={18} />
            Parley
          </span>
          <span>Group chat and video calls on your own server</span>
        </div>
      </footer>
    </div>
  );
}
