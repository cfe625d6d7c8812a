/**
 * How people are named in the client: by their display name when they set
 * one (User, Me and Member carry an optional `displayName`), else by their
 * username; the @username then goes beside it where telling people apart
 * matters (member lists, search results, the user menu).
 */

/** Anything that names a person: a User, Me, Member or call participant mapped to its member. */
export interface Named {
  username: string;
  displayName?: string | null | undefined;
}

/** The name to show: the display name when set (and not blank), else the username. */
export function displayName(u: Named): string {
  const d = u.displayName?.trim();
  return d ? d : u.username;
}

/** "@username" when the shown name is a display name, else null (the username is already shown). */
export function handle(u: Named): string | null {
  return displayName(u) === u.username ? null : `@${u.username}`;
}

/** The longest display name the server accepts (Unicode code points, after trimming). */
export const displayNameMax = 64;

/**
 * Why the server would refuse this display name, or null when it would
 * accept it (an empty one clears it). Mirrors the contract: trimmed,
 * 1–64 code points, no control or format characters (Cc; Cf other than
 * the ZWJ), no private-use or surrogate code points, no line breaks.
 */
export function checkDisplayName(value: string): string | null {
  const v = value.trim();
  if (v === '') return null;
  if ([...v].length > displayNameMax) return `Use at most ${displayNameMax} characters.`;
  if (/[\n\r\u2028\u2029]/u.test(v)) return 'Use one line only.';
  if (/[\p{Cc}\p{Co}\p{Cs}]|(?!\u200d)\p{Cf}/u.test(v)) return 'Remove the invisible or control characters.';
  return null;
}
