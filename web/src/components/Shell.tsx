import type { ReactNode } from 'react';
import { Link } from '../app/router';
import { Logo } from './Logo';
import './Shell.css';

/** The page frame every view shares: top bar, main landmark, footer. */
export function Shell({ children }: { children: ReactNode }) {
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand" aria-label="Parley home">
            <Logo size={30} />
            <span className="brand-name">Parley</span>
          </Link>
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
