/**
 * Typing hints (issue 14, api/websocket.md "Typing"): lossy, never stored.
 * The composer sends `typing` at most every 3 s per group; who is typing
 * shows for about 6 s after their last frame, or until their message arrives.
 */

/** At most one `typing` frame per group this often (the server drops more). */
export const typingSendEveryMs = 3_000;
/** How long someone shows as typing after their last frame. */
export const typingShowMs = 6_000;

/** Who is typing, by user id, until when (ms since the epoch). */
export type Typers = ReadonlyMap<string, number>;

/** A typing frame from userId at now: shown until now + typingShowMs. */
export function addTyper(typers: Typers, userId: string, now: number): Typers {
  const next = new Map(typers);
  next.set(userId, now + typingShowMs);
  return next;
}

/** userId's message arrived (or they left): no longer typing. */
export function removeTyper(typers: Typers, userId: string): Typers {
  if (!typers.has(userId)) return typers;
  const next = new Map(typers);
  next.delete(userId);
  return next;
}

/** Drops whoever's time is up; the same map when nobody's is. */
export function expireTypers(typers: Typers, now: number): Typers {
  if ([...typers.values()].every((until) => until > now)) return typers;
  return new Map([...typers].filter(([, until]) => until > now));
}

/** The soonest time anyone stops showing, or null when nobody types. */
export function nextExpiry(typers: Typers): number | null {
  return typers.size === 0 ? null : Math.min(...typers.values());
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…"; null for nobody. */
export function typingText(names: readonly string[]): string | null {
  if (names.length === 0) return null;
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/**
 * Whether to send a `typing` frame now: only with something typed, and at
 * most every typingSendEveryMs since the last one (lastSent null: never).
 */
export function shouldSendTyping(text: string, lastSent: number | null, now: number): boolean {
  return text.trim() !== '' && (lastSent === null || now - lastSent >= typingSendEveryMs);
}
