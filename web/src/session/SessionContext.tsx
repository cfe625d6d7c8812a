import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import type { Me } from '../api/types';
import type { Session, SessionState } from './session';

const SessionContext = createContext<Session | null>(null);

/** Makes one Session available to every component below. */
export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

/** The Session of the nearest SessionProvider; throws without one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession needs a <SessionProvider> above it');
  return session;
}

/** The session's state; re-renders when it changes. */
export function useSessionState(): SessionState {
  const session = useSession();
  return useSyncExternalStore(session.subscribe, session.getState, session.getState);
}

/** The signed-in user, or null while signed out or restoring. */
export function useMe(): Me | null {
  const state = useSessionState();
  return state.status === 'signedIn' ? state.me : null;
}
