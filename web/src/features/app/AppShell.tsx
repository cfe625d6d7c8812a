import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { Brand } from '../../components/Brand';
import { useSession, useSessionState } from '../../session/SessionContext';
import { CreateGroupDialog } from '../groups/CreateGroupDialog';
import { GroupSidebar, useSelectedGroupId } from '../groups/GroupSidebar';
import { GroupsProvider } from '../groups/GroupsContext';
import { InvitesMenu } from '../groups/InvitesMenu';
import { ProfileDialog } from '../profile/ProfileDialog';
import { UserMenu } from './UserMenu';
import { MessageSearch } from '../search/MessageSearch';
import { NotifyProvider } from '../notify/NotifyContext';
import { ChatProvider, ConnectionBanner } from '../chat/ChatContext';
import { ToastProvider } from '../../components/Toast';
import { CallProvider, useCalls } from '../call/CallContext';
import { CallDock } from '../call/CallDock';
import './AppShell.css';
import '../groups/Groups.css';

const OpenProfileContext = createContext<() => void>(() => {});
const OpenCreateGroupContext = createContext<() => void>(() => {});

/** Opens the profile dialog of the surrounding AppShell. */
export function useOpenProfile(): () => void {
  return useContext(OpenProfileContext);
}

/** Opens the "New group" dialog of the surrounding AppShell. */
export function useOpenCreateGroup(): () => void {
  return useContext(OpenCreateGroupContext);
}

/** The page under the call: inert (and covered) while the call fills the main area. */
function MainContent({ children }: { children: ReactNode }) {
  const calls = useCalls();
  const covered = calls?.session != null && calls.expanded;
  return (
    <div className="app-main-content" inert={covered}>
      {children}
    </div>
  );
}

/**
 * Keeps --app-height at the visual viewport's height, so that on a phone
 * the app (and its composer) ends above the on-screen keyboard, which
 * shrinks the visual viewport but not always the layout one (100dvh).
 */
function useVisualViewportHeight(): void {
  useEffect(() => {
    const vv = window.visualViewport;
    if (!vv) return undefined;
    const root = document.documentElement;
    const update = () => {
      // Times the scale: a pinch-zoom shrinks the visual viewport too, and must not shrink the app.
      root.style.setProperty('--app-height', `${Math.round(vv.height * vv.scale)}px`);
      // iOS scrolls the page to show the focused field; a group's screen is already sized to fit.
      const fitted = document.querySelector('.app[data-screen="group"]') !== null;
      if (fitted && vv.scale === 1 && window.scrollY > 0) window.scrollTo(0, 0);
    };
    update();
    vv.addEventListener('resize', update);
    vv.addEventListener('scroll', update);
    return () => {
      vv.removeEventListener('resize', update);
      vv.removeEventListener('scroll', update);
      root.style.removeProperty('--app-height');
    };
  }, []);
}

/**
 * The frame of the signed-in app: a top bar with the invites menu and the
 * user's menu, the groups sidebar, and the main area. It owns the groups
 * data (GroupsProvider), the chat connection (ChatProvider), my call (CallProvider, shown by CallDock
 * in the main area), the profile dialog and the "New group" dialog.
 *
 * On a phone (≤ 760 px) the groups list and an open group are two
 * full-height screens: data-screen says which one shows.
 */
export function AppShell({ children }: { children: ReactNode }) {
  const session = useSession();
  const state = useSessionState();
  const [profileOpen, setProfileOpen] = useState(false);
  const [createOpen, setCreateOpen] = useState(false);
  const openProfile = useCallback(() => setProfileOpen(true), []);
  const closeProfile = useCallback(() => setProfileOpen(false), []);
  const openCreate = useCallback(() => setCreateOpen(true), []);
  const closeCreate = useCallback(() => setCreateOpen(false), []);
  const selected = useSelectedGroupId();
  useVisualViewportHeight();
  if (state.status !== 'signedIn') return null;
  const { me } = state;

  return (
    <GroupsProvider>
      <ChatProvider me={me.id}>
      <NotifyProvider me={me.id}>
      <ToastProvider>
      <CallProvider>
      <OpenProfileContext.Provider value={openProfile}>
        <OpenCreateGroupContext.Provider value={openCreate}>
          <div className="app" data-screen={selected ? 'group' : 'list'}>
            <a className="skip-link" href="#main">
              Skip to content
            </a>
            <header className="app-topbar">
              <Brand to="/" size={28} />
              <MessageSearch />
              <div className="app-topbar-end">
                <InvitesMenu />
                <UserMenu me={me} onProfile={openProfile} onSignOut={() => void session.signOut()} />
              </div>
            </header>
            <div className="app-body">
              <GroupSidebar onCreate={openCreate} />
              <main id="main" className="app-main" tabIndex={-1}>
                <ConnectionBanner />
                <CallDock />
                <MainContent>{children}</MainContent>
              </main>
            </div>
          </div>
          {profileOpen && <ProfileDialog me={me} onClose={closeProfile} />}
          {createOpen && <CreateGroupDialog onClose={closeCreate} />}
        </OpenCreateGroupContext.Provider>
      </OpenProfileContext.Provider>
      </CallProvider>
      </ToastProvider>
      </NotifyProvider>
      </ChatProvider>
    </GroupsProvider>
  );
}
