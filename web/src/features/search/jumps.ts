/**
 * "Open this message in its conversation": a search result asks, the
 * conversation of that group (open already, or mounting after the
 * navigation) takes the request and jumps to the message (the jump reply
 * quotes use).
 */
export interface JumpTarget {
  id: string;
  seq: number;
}

const pending = new Map<string, JumpTarget>();
const listeners = new Set<(groupId: string) => void>();

/** Asks the conversation of groupId to show this message. */
export function requestJump(groupId: string, target: JumpTarget): void {
  pending.set(groupId, target);
  for (const l of listeners) l(groupId);
}

/** The request waiting for groupId, taken (so it is served once), or null. */
export function takeJump(groupId: string): JumpTarget | null {
  const t = pending.get(groupId) ?? null;
  pending.delete(groupId);
  return t;
}

/** Calls listener with the group of every new request; returns the unsubscribe. */
export function onJumpRequest(listener: (groupId: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
