/** The messages of a conversation: unique by seq, oldest first. */
import type { Message } from '../../api/types';

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

/** Marks a message deleted for everyone: it keeps id, seq, author and time. */
export function markDeleted(list: readonly Message[], messageId: string): Message[] {
  return list.map((m) => (m.id === messageId ? { ...m, deleted: true, text: '', attachments: [] } : m));
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
