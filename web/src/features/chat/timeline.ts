/** The messages of a conversation: unique by seq, oldest first. */
import type { Message, Reaction } from '../../api/types';

/** Merges incoming messages into the list; a later copy of a seq replaces the earlier one. */
export function mergeMessages(list: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return list as Message[];
  const bySeq = new Map<number, Message>();
  for (const m of list) bySeq.set(m.seq, m);
  for (const m of incoming) {
    const old = bySeq.get(m.seq);
    // A tombstone or a hide is never undone by an older copy.
    if (old && (old.deleted || old.hidden) && !m.deleted && !m.hidden) continue;
    bySeq.set(m.seq, m);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * Marks a message deleted for everyone: it keeps id, seq, author and time,
 * and loses its text, attachments, reply, reactions and mentions; the
 * replies quoting it show the quote as deleted.
 */
export function markDeleted(list: readonly Message[], messageId: string): Message[] {
  return list.map((m) => {
    if (m.id === messageId) {
      const { replyTo: _r, reactions: _x, mentions: _m, ...rest } = m;
      return { ...rest, deleted: true, text: '', attachments: [] };
    }
    if (m.replyTo?.id === messageId) return { ...m, replyTo: { ...m.replyTo, deleted: true, excerpt: '' } };
    return m;
  });
}

/** The contract's excerpt of a quoted text: its first 100 characters (code points), "…" when cut. */
export function excerptOf(text: string, max = 100): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max).join('')}…`;
}

/**
 * Applies a message.updated (or an edit's answer): the message takes its
 * new state where it is held (a hide of mine stays), and the replies that
 * quote it show its new text. A message not held is left out (its page
 * loads with the new text).
 */
export function applyUpdate(list: readonly Message[], updated: Message): Message[] {
  let changed = false;
  const next = list.map((m) => {
    if (m.id === updated.id) {
      if (m.deleted) return m;
      changed = true;
      return { ...updated, hidden: m.hidden || updated.hidden };
    }
    if (m.replyTo?.id === updated.id && !m.replyTo.deleted) {
      const excerpt = excerptOf(updated.text);
      if (excerpt === m.replyTo.excerpt) return m;
      changed = true;
      return { ...m, replyTo: { ...m.replyTo, excerpt } };
    }
    return m;
  });
  return changed ? next : (list as Message[]);
}

/**
 * Adds or removes one user's reaction on a message. Idempotent (the
 * server's frames may repeat what an optimistic toggle already did): an
 * emoji keeps its place while anyone still reacts with it, a new one goes
 * last, and one nobody reacts with any more is gone.
 */
export function applyReaction(list: readonly Message[], messageId: string, emoji: string, userId: string, added: boolean): Message[] {
  let changed = false;
  const next = list.map((m) => {
    if (m.id !== messageId || m.deleted) return m;
    const reactions = toggleReaction(m.reactions ?? [], emoji, userId, added);
    if (reactions === m.reactions || (reactions.length === 0 && !m.reactions)) return m;
    changed = true;
    if (reactions.length === 0) {
      const { reactions: _r, ...rest } = m;
      return rest;
    }
    return { ...m, reactions };
  });
  return changed ? next : (list as Message[]);
}

function toggleReaction(list: readonly Reaction[], emoji: string, userId: string, added: boolean): Reaction[] {
  const at = list.findIndex((r) => r.emoji === emoji);
  const entry = list[at];
  if (added) {
    if (entry?.userIds.includes(userId)) return list as Reaction[];
    if (!entry) return [...list, { emoji, count: 1, userIds: [userId] }];
    const userIds = [...entry.userIds, userId];
    return list.map((r, i) => (i === at ? { emoji, count: userIds.length, userIds } : r));
  }
  if (!entry?.userIds.includes(userId)) return list as Reaction[];
  const userIds = entry.userIds.filter((u) => u !== userId);
  if (userIds.length === 0) return list.filter((_, i) => i !== at);
  return list.map((r, i) => (i === at ? { emoji, count: userIds.length, userIds } : r));
}

/** Whether the user reacted to the message with the emoji. */
export function reacted(m: Message, emoji: string, userId: string): boolean {
  return m.reactions?.some((r) => r.emoji === emoji && r.userIds.includes(userId)) ?? false;
}

/** Marks a message hidden for me. */
export function markHidden(list: readonly Message[], messageId: string): Message[] {
  return list.map((m) => (m.id === messageId ? { ...m, hidden: true } : m));
}

/** Whether two neighbouring messages belong to one run (same author, same day, within 5 minutes). */
export function sameRun(prev: Message | undefined, m: Message): boolean {
  if (!prev || prev.authorId !== m.authorId) return false;
  const gap = Date.parse(m.createdAt) - Date.parse(prev.createdAt);
  return gap >= 0 && gap < 5 * 60_000 && new Date(prev.createdAt).toDateString() === new Date(m.createdAt).toDateString();
}
