/** Read receipts (issue 14): "seen by" from the other members' read cursors. */

/** Cursors by user id; they only move forward. */
export type Receipts = ReadonlyMap<string, number>;

export function applyReceipt(receipts: Receipts, userId: string, lastReadSeq: number): Receipts {
  if ((receipts.get(userId) ?? 0) >= lastReadSeq) return receipts;
  return new Map(receipts).set(userId, lastReadSeq);
}

/** The ids of those (not me) whose cursor reached seq. */
export function seenBy(receipts: Receipts, seq: number, me: string): string[] {
  return [...receipts].filter(([id, at]) => id !== me && at >= seq).map(([id]) => id);
}

/** "Seen" in a direct conversation; "Seen by alice", "Seen by alice and bob", "Seen by alice, bob and carol", "Seen by 4 people". */
export function seenText(names: readonly string[], direct: boolean): string | null {
  if (names.length === 0) return null;
  if (direct) return 'Seen';
  if (names.length === 1) return `Seen by ${names[0]}`;
  if (names.length === 2) return `Seen by ${names[0]} and ${names[1]}`;
  if (names.length === 3) return `Seen by ${names[0]}, ${names[1]} and ${names[2]}`;
  return `Seen by ${names.length} people`;
}

/** How many faces the "Seen by" line shows before "+N". */
export const seenFaces = 5;

/** Every name, for screen readers and hover: "Seen by alice, bob, carol and dave". */
export function seenLabel(names: readonly string[]): string {
  if (names.length <= 1) return `Seen by ${names[0] ?? 'nobody'}`;
  return `Seen by ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
