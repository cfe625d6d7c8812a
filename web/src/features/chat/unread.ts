/** Unread messages per group id. */
export type UnreadCounts = Readonly<Record<string, number>>;

/** The text of a sidebar badge: the count, capped at "99+". */
export function unreadLabel(count: number): string {
  return count > 99 ? '99+' : String(count);
}
