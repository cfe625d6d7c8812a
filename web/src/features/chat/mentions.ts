/**
 * @mentions: where the composer's caret is typing one (for the
 * autocomplete), which members a text mentions (sent as `mentions`), and
 * the pieces of a text with its mentions marked (for the highlight).
 * Usernames are 3–32 of [A-Za-z0-9_.-] and unique regardless of case.
 */

/** What a mention candidate needs of a member. */
export interface Mentionable {
  userId: string;
  username: string;
  displayName?: string | null | undefined;
}

const nameChar = /[A-Za-z0-9_.-]/;

/** Whether the character before an @ lets it start a mention (start, space or punctuation, not a word or an address). */
function startsMention(text: string, at: number): boolean {
  if (at === 0) return true;
  const before = text[at - 1] ?? '';
  return !nameChar.test(before) && before !== '@';
}

/** The @word the caret is at the end of: where its @ is and what follows it so far; null when none. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  let i = caret;
  while (i > 0 && nameChar.test(text[i - 1] ?? '')) i--;
  if (i === 0 || text[i - 1] !== '@') return null;
  const start = i - 1;
  if (!startsMention(text, start)) return null;
  const query = text.slice(i, caret);
  if (query.length > 32) return null;
  return { start, query };
}

/**
 * The members whose username (or display name) starts with the query,
 * case-insensitive, then those containing it; by username within each;
 * at most `limit`.
 */
export function mentionCandidates<T extends Mentionable>(members: readonly T[], query: string, limit = 8): T[] {
  const q = query.toLowerCase();
  const rank = (m: T): number => {
    const u = m.username.toLowerCase();
    const d = (m.displayName ?? '').toLowerCase();
    if (u.startsWith(q)) return 0;
    if (d !== '' && (d.startsWith(q) || d.split(/\s+/).some((w) => w.startsWith(q)))) return 1;
    if (u.includes(q) || (d !== '' && d.includes(q))) return 2;
    return -1;
  };
  return members
    .map((m) => ({ m, r: rank(m) }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.m.username.localeCompare(b.m.username))
    .slice(0, limit)
    .map((x) => x.m);
}

/** Inserts `@username ` in place of the @query the caret ends; returns the new text and caret. */
export function insertMention(text: string, start: number, caret: number, username: string): { text: string; caret: number } {
  const after = text.slice(caret);
  const glue = after.startsWith(' ') ? '' : ' ';
  const inserted = `@${username}${glue}`;
  return { text: text.slice(0, start) + inserted + after, caret: start + inserted.length + (glue === '' ? 1 : 0) };
}

/** A piece of text: plain, or a mention of a member (as written). */
export type MentionPiece = string | { mention: string; userId: string };

/**
 * Splits a text at its @mentions of the given members (case-insensitive;
 * a trailing "." or "-" that ends a sentence is not part of the name
 * unless a member's name has it).
 */
export function splitMentions(text: string, members: readonly Mentionable[]): MentionPiece[] {
  if (members.length === 0 || !text.includes('@')) return [text];
  const byName = new Map(members.map((m) => [m.username.toLowerCase(), m.userId]));
  const out: MentionPiece[] = [];
  let plain = 0;
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf('@', i);
    if (at < 0) break;
    let end = at + 1;
    while (end < text.length && nameChar.test(text[end] ?? '')) end++;
    let found: string | undefined;
    if (startsMention(text, at)) {
      // Longest first, then without trailing punctuation ("@bob." at a sentence's end).
      for (let e = end; e > at + 1; e--) {
        found = byName.get(text.slice(at + 1, e).toLowerCase());
        if (found !== undefined) {
          end = e;
          break;
        }
        if (!/[._-]/.test(text[e - 1] ?? '')) break;
      }
    }
    if (found !== undefined) {
      if (at > plain) out.push(text.slice(plain, at));
      out.push({ mention: text.slice(at, end), userId: found });
      plain = end;
    }
    i = Math.max(end, at + 1);
  }
  if (plain < text.length) out.push(text.slice(plain));
  return out;
}

/** The members a text mentions, in first-mention order, each once (what a send carries as `mentions`). */
export function mentionedIds(text: string, members: readonly Mentionable[]): string[] {
  const ids: string[] = [];
  for (const p of splitMentions(text, members)) {
    if (typeof p !== 'string' && !ids.includes(p.userId)) ids.push(p.userId);
  }
  return ids;
}
