import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';
import { Brand } from '../../components/Brand';
import { useSession, useSessionState } from '../../session/SessionContext';
import { ProfileDialog } from '../profile/ProfileDialog';
import { UserMenu } from './UserMenu';
import './AppShell.css';

const OpenProfileContext = createContext<() => void>(() => {});

/** Opens the profile dialog of the surrounding AppShell. */
export function useOpenProfile(): () => void {
  return useContext(OpenProfileContext);
}

/**
 * The frame of the signed-in app: a top bar with the user's menu, the
 * groups sidebar, and the main area. It owns the profile dialog.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const session = useSession();
  const state = useSessionState();
  const [profileOpen, setProfileOpen] = useState(false);
  const openProfile = useCallback(() => setProfileOpen(true), []);
  const closeProfile = useCallback(() => setProfileOpen(false), []);
  if (state.status !== 'signedIn') return null;
  const { me } = state;

  return (
    <OpenProfileContext.Provider value={openProfile}>
      <div className="app">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="app-topbar">
          <Brand to="/" size={28} />
          <UserMenu me={me} onProfile={openProfile} onSignOut={() => void session.signOut()} />
        </header>
        <div className="app-body">
          <nav className="app-sidebar" aria-label="Groups">
            <div className="app-sidebar-head">
              <h2 className="app-sidebar-title">Groups</h2>
            </div>
            <div className="app-sidebar-empty">
              <span className="app-sidebar-empty-icon" aria-hidden="true">
                <svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor"
                  strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" focusable="false">
                  <path d="M17 20v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 5 18.5V20" />
                  <circle cx="11" cy="8" r="3.5" />
                  <path d="M21 20v-1.5a3.5 3.5 0 0 0-2.5-3.4M16 4.6a3.5 3.5 0 0 1 0 6.8" />
                </svg>
              </span>
              <p className="app-sidebar-empty-title">Groups arrive soon</p>
              <p className="app-sidebar-empty-text">
                You will create groups, invite people and chat here.
              </p>
            </div>
          </nav>
          <main id="main" className="app-main" tabIndex={-1}>
            {children}
          </main>
        </div>
      </div>
      {profileOpen && <ProfileDialog me={me} onClose={closeProfile} />}
    </OpenProfileContext.Provider>
  );
}
