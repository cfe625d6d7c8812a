import type { Message } from '../../api/types';

/** Unread messages per group id. */
export type UnreadCounts = Readonly<Record<string, number>>;

/**
 * Counts a message that arrived: it is unread when it is new, visible, not
 * mine and its group is not the one open.
 */
export function countArrival(counts: UnreadCounts, message: Message, me: string, openGroupId: string | null): UnreadCounts {
  if (message.groupId === openGroupId || message.authorId === me || message.deleted || message.hidden) return counts;
  return { ...counts, [message.groupId]: (counts[message.groupId] ?? 0) + 1 };
}

/**
 * Counts a message that arrived and mentions me: counted like an unread
 * one (countArrival) and only when its mentions name me, so that a group's
 * badge can show the mentions apart.
 */
export function countMention(counts: UnreadCounts, message: Message, me: string, openGroupId: string | null): UnreadCounts {
  if (!message.mentions?.includes(me)) return counts;
  return countArrival(counts, message, me, openGroupId);
}

/** Clears the count of a group (opened, left or deleted). */
export function clearUnread(counts: UnreadCounts, groupId: string | null): UnreadCounts {
  if (groupId === null || !(groupId in counts)) return counts;
  const next = { ...counts };
  delete next[groupId];
  return next;
}

/** The text of a sidebar badge: the count, capped at "99+". */
export function unreadLabel(count: number): string {
  return count > 99 ? '99+' : String(count);
}
