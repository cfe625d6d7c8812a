/**
 * Presence (issue 14, api/websocket.md "Presence"): lossy hints of who is
 * online or away among the people I share a group with; whoever is not
 * listed is offline. Mine is sent as `away` while the tab is hidden or I
 * have been idle a while, `online` when I am back.
 */
import type { PresenceEntry } from './frames';

export type Presence = ReadonlyMap<string, 'online' | 'away'>;

/** After this long without a key, click or pointer move, I count as away. */
export const idleAfterMs = 5 * 60_000;

/** The list `ready` carries (absent from an older server: nobody known). */
export function fromList(list: readonly PresenceEntry[] | undefined): Presence {
  return new Map((list ?? []).filter((p) => p.status !== 'offline').map((p) => [p.userId, p.status as 'online' | 'away']));
}

/** One change (a presence frame, or an entry of presence.batch). */
export function applyPresence(presence: Presence, changes: readonly PresenceEntry[]): Presence {
  const next = new Map(presence);
  for (const { userId, status } of changes) {
    if (status === 'offline') next.delete(userId);
    else next.set(userId, status);
  }
  return next;
}

/** My status as the page sees it: away while hidden or idle. */
export function myStatus(hidden: boolean, idleMs: number): 'online' | 'away' {
  return hidden || idleMs >= idleAfterMs ? 'away' : 'online';
}
