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

/** Forgets whoever I no longer share a group with (after `member.removed`: no more frames come for them). */
export function keepShared(presence: Presence, shared: ReadonlySet<string>): Presence {
  if ([...presence.keys()].every((id) => shared.has(id))) return presence;
  return new Map([...presence].filter(([id]) => shared.has(id)));
}

/**
 * Mine, sent on change only: away while the tab is hidden or after
 * idleAfterMs without input, online again on input or when it shows.
 */
export class AwayTracker {
  private sent: 'online' | 'away' = 'online';
  private lastActive: number;

  constructor(
    private readonly send: (status: 'online' | 'away') => boolean,
    private readonly hidden: () => boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.lastActive = now();
  }

  /** A new connection starts online: say away at once if that is what I am. */
  connected(): void {
    this.sent = 'online';
    this.check();
  }

  /** Input (key, pointer): back online if I was away. */
  active(): void {
    this.lastActive = this.now();
    if (this.sent === 'away') this.check();
  }

  /** Visibility changed, or a periodic look at idleness. */
  check(): void {
    const status = myStatus(this.hidden(), this.now() - this.lastActive);
    if (status !== this.sent && this.send(status)) this.sent = status;
  }
}
