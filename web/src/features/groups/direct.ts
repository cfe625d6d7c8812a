/**
 * Direct conversations (issue 14): groups of kind `direct` with no name,
 * which the client names after the other person and lists apart.
 */
import { displayName, type Group, type Member } from '../../api';

/** Whether a group is a one-to-one conversation (a group without `kind` is a plain group). */
export function isDirect(group: Pick<Group, 'id' | 'kind'>): boolean {
  return group.kind === 'direct';
}

/** The other person of a direct conversation, or null when they left it (or for a note to oneself). */
export function peerOf(members: readonly Member[], me: string): Member | null {
  return members.find((m) => m.userId !== me) ?? null;
}

/** What a direct conversation is called: the other person's display name or username. */
export function directName(peer: Member | null | undefined): string {
  return peer ? displayName(peer) : 'Direct message';
}

/** Groups and direct conversations apart, each in the server's order. */
export function splitGroups(groups: readonly Group[]): { groups: Group[]; directs: Group[] } {
  return { groups: groups.filter((g) => !isDirect(g)), directs: groups.filter(isDirect) };
}
