import type { ReactNode } from 'react';
import { useMe } from '../../session/SessionContext';
import { useChat } from './ChatContext';
import './Presence.css';

const labels = { online: 'Online', away: 'Away', offline: 'Offline' } as const;

/** The user's presence: a dot over the bottom-right of what it wraps (an avatar), named for screen readers. */
export function WithPresence({ userId, children }: { userId: string; children: ReactNode }) {
  const chat = useChat();
  const me = useMe();
  if (!chat) return <>{children}</>;
  // The server never tells me of myself: here, I am online.
  const status = userId === me?.id ? 'online' : (chat.presence.get(userId) ?? 'offline');
  return (
    <span className="presence-wrap">
      {children}
      <span className={`presence-dot presence-${status}`} role="img" aria-label={labels[status]} title={labels[status]} />
    </span>
  );
}
