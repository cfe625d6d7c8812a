/**
 * Desktop notifications (issue 14): per group, all messages, mentions only
 * or nothing, kept in this browser (localStorage, per user); never for the
 * group on screen, for one's own messages, or for what is caught up after
 * a while away (only messages of the last minute).
 */
import type { Message } from '../../api/types';

export type NotifyLevel = 'all' | 'mentions' | 'none';

export const notifyLevels: readonly NotifyLevel[] = ['all', 'mentions', 'none'];

export const notifyLabels: Readonly<Record<NotifyLevel, string>> = {
  all: 'All messages',
  mentions: 'Mentions',
  none: 'Nothing',
};

/** A message older than this when it arrives is caught up, not news. */
export const freshForMs = 60_000;

/** Direct conversations tell of every message by default, groups of mentions. */
export function defaultLevel(direct: boolean): NotifyLevel {
  return direct ? 'all' : 'mentions';
}

const key = (userId: string) => `parley.notify.${userId}`;

/** The levels chosen in this browser, by group id. */
export function loadLevels(userId: string, storage: Pick<Storage, 'getItem'> = localStorage): Record<string, NotifyLevel> {
  try {
    const v = JSON.parse(storage.getItem(key(userId)) ?? '{}') as unknown;
    if (typeof v !== 'object' || v === null) return {};
    const out: Record<string, NotifyLevel> = {};
    for (const [g, l] of Object.entries(v)) if (notifyLevels.includes(l as NotifyLevel)) out[g] = l as NotifyLevel;
    return out;
  } catch {
    return {};
  }
}

export function saveLevels(userId: string, levels: Readonly<Record<string, NotifyLevel>>, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(key(userId), JSON.stringify(levels));
  } catch {
    // Private mode or full: the choice lasts for this page only.
  }
}

export interface NotifyCheck {
  message: Message;
  me: string;
  level: NotifyLevel;
  /** The group is open and the tab visible. */
  onScreen: boolean;
  now: number;
}

/** Whether a message that arrived deserves a desktop notification. */
export function shouldNotify({ message, me, level, onScreen, now }: NotifyCheck): boolean {
  if (onScreen || level === 'none' || message.authorId === me || message.deleted || message.hidden) return false;
  if (now - Date.parse(message.createdAt) > freshForMs) return false;
  return level === 'all' || (message.mentions?.includes(me) ?? false);
}

/** What the notification says: the text cut to 140 characters, or that files came. */
export function notificationBody(message: Message): string {
  const text = message.text.trim();
  if (text) return [...text].length > 140 ? `${[...text].slice(0, 139).join('')}…` : text;
  const n = message.attachments.length;
  return n === 1 ? 'Sent a file' : `Sent ${n} files`;
}

/** Whether this browser can show notifications at all. */
export function notificationsSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}
