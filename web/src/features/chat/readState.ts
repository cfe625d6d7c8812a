/**
 * Read state from the server (issue 14, api/websocket.md "Read state"):
 * per group the read cursor, the last seq counted, and the unread and
 * mention counts. `ready` and `read.updated` give them; between frames the
 * client counts arrivals itself, once each (a message at or below the seq
 * already counted — a catch-up repeating what `ready` counted — adds nothing).
 */
import type { Message } from '../../api/types';

export interface GroupRead {
  /** The user's read cursor: every message up to it is read. */
  lastReadSeq: number;
  /** The newest seq counted in `unread`. */
  lastSeq: number;
  /** Messages after the cursor that are not mine and not deleted. */
  unread: number;
  /** Of those, the ones that mention me. */
  mentions: number;
}

export type ReadStates = Readonly<Record<string, GroupRead>>;

/** One group of the `ready` frame (read state fields absent from an older server). */
export interface ReadyGroup {
  groupId: string;
  lastSeq: number;
  lastReadSeq?: number;
  unread?: number;
  mentions?: number;
}

/** The state a `ready` frame gives; null when the server sends no read state (an older one). */
export function fromReady(groups: readonly ReadyGroup[]): ReadStates | null {
  if (groups.length > 0 && groups.every((g) => g.lastReadSeq === undefined)) return null;
  const out: Record<string, GroupRead> = {};
  for (const g of groups) {
    out[g.groupId] = { lastReadSeq: g.lastReadSeq ?? g.lastSeq, lastSeq: g.lastSeq, unread: g.unread ?? 0, mentions: g.mentions ?? 0 };
  }
  return out;
}

/** `read.updated`: the group's state as the server has it now. */
export function applyReadUpdated(
  states: ReadStates,
  f: { groupId: string; lastReadSeq: number; unread: number; mentions: number },
): ReadStates {
  const old = states[f.groupId];
  return {
    ...states,
    [f.groupId]: { lastReadSeq: f.lastReadSeq, lastSeq: Math.max(old?.lastSeq ?? 0, f.lastReadSeq), unread: f.unread, mentions: f.mentions },
  };
}

/** A message arrived (live or caught up): counted once, when it is after the cursor, not mine and not deleted. */
export function applyArrival(states: ReadStates, m: Message, me: string): ReadStates {
  const old = states[m.groupId] ?? { lastReadSeq: 0, lastSeq: 0, unread: 0, mentions: 0 };
  if (m.seq <= old.lastSeq) return states;
  const counts = m.seq > old.lastReadSeq && m.authorId !== me && !m.deleted && !m.hidden;
  return {
    ...states,
    [m.groupId]: {
      ...old,
      lastSeq: m.seq,
      unread: old.unread + (counts ? 1 : 0),
      mentions: old.mentions + (counts && m.mentions?.includes(me) ? 1 : 0),
    },
  };
}

/**
 * Marking read up to seq here, before the server answers: when it covers
 * everything counted, nothing is unread; else the counts wait for
 * `read.updated`. Never moves the cursor backwards.
 */
export function applyLocalRead(states: ReadStates, groupId: string, seq: number): ReadStates {
  const old = states[groupId];
  if (!old || seq <= old.lastReadSeq) return states;
  return seq >= old.lastSeq
    ? { ...states, [groupId]: { ...old, lastReadSeq: seq, unread: 0, mentions: 0 } }
    : { ...states, [groupId]: { ...old, lastReadSeq: seq } };
}

/** Forgets a group (deleted, or I left it). */
export function forgetGroup(states: ReadStates, groupId: string): ReadStates {
  if (!(groupId in states)) return states;
  const next = { ...states };
  delete next[groupId];
  return next;
}

/** The unread counts (or the mention counts) per group, for the sidebar. */
export function countsOf(states: ReadStates, field: 'unread' | 'mentions'): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [id, s] of Object.entries(states)) if (s[field] > 0) out[id] = s[field];
  return out;
}

/** The document title with the total unread count in front: "(3) Parley". */
export function titleWithCount(title: string, total: number): string {
  const base = title.replace(/^\(\d+\+?\) /, '');
  return total > 0 ? `(${total > 999 ? '999+' : total}) ${base}` : base;
}

/**
 * The favicon with the unread total on a red dot in its corner ("9+" above
 * nine), as SVG text; the icon itself when nothing is unread.
 */
export function faviconWithCount(svg: string, total: number): string {
  if (total <= 0 || !svg.includes('</svg>')) return svg;
  const label = total > 9 ? '9+' : String(total);
  const badge =
    `<circle cx="23" cy="9" r="9" fill="#e5483d" stroke="#fff" stroke-width="1.5"/>` +
    `<text x="23" y="13" text-anchor="middle" font-family="Arial,sans-serif" font-weight="700" font-size="${label.length > 1 ? 10 : 12}" fill="#fff">${label}</text>`;
  return svg.replace(/<\/svg>\s*$/, `${badge}</svg>`);
}
