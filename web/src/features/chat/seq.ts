/**
 * The last message seq the client holds per group, and what to do when a
 * new one arrives: apply it, ignore a duplicate, or catch up after a gap.
 */
export type SeqVerdict =
  /** The next seq (or the first one known): apply it. */
  | { kind: 'next' }
  /** Already seen: ignore it. */
  | { kind: 'old' }
  /** Messages were missed: fetch ?after=from, then apply. */
  | { kind: 'gap'; from: number };

export class SeqTracker {
  private readonly last = new Map<string, number>();

  /** The last seq held for the group, or null when unknown. */
  get(groupId: string): number | null {
    return this.last.get(groupId) ?? null;
  }

  /** Raises the group's lastSeq to seq (never lowers it). */
  advance(groupId: string, seq: number): void {
    const old = this.last.get(groupId);
    if (old === undefined || seq > old) this.last.set(groupId, seq);
  }

  forget(groupId: string): void {
    this.last.delete(groupId);
  }

  /** Judges a seq that arrived live, before applying it. */
  check(groupId: string, seq: number): SeqVerdict {
    const old = this.last.get(groupId);
    if (old === undefined) return { kind: 'next' };
    if (seq <= old) return { kind: 'old' };
    if (seq === old + 1) return { kind: 'next' };
    return { kind: 'gap', from: old };
  }

  /**
   * Takes the server's view after (re)connecting and returns the groups
   * to catch up with their `after` seq: those the client knew whose
   * server seq is ahead. Groups seen for the first time are just
   * recorded (their history loads when they are opened).
   */
  ready(groups: readonly { groupId: string; lastSeq: number }[]): { groupId: string; after: number }[] {
    const behind: { groupId: string; after: number }[] = [];
    for (const { groupId, lastSeq } of groups) {
      const old = this.last.get(groupId);
      if (old === undefined) this.last.set(groupId, lastSeq);
      else if (lastSeq > old) behind.push({ groupId, after: old });
    }
    return behind;
  }
}
