/**
 * Optimistic sends. A message the user sends appears at once as pending;
 * the matching message.created (same clientMsgId) replaces it, a
 * message.rejected or a timeout marks it failed, and Retry sends it again
 * with the same clientMsgId (the server is idempotent on it).
 */
import type { Attachment, Message, ReplyRef } from '../../api/types';

/** The parts of Web Crypto a client message id needs. */
type IdSource = { randomUUID?: () => string; getRandomValues<T extends ArrayBufferView>(array: T): T };

/**
 * A fresh clientMsgId (a random UUID). crypto.randomUUID exists only on
 * secure origins (HTTPS, localhost); a plain-HTTP install has
 * getRandomValues alone, from which the same version-4 UUID is made.
 */
export function newClientMsgId(source: IdSource = crypto): string {
  if (typeof source.randomUUID === 'function') return source.randomUUID();
  const b = source.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type OutgoingStatus = 'pending' | 'failed';

export interface Outgoing {
  clientMsgId: string;
  groupId: string;
  text: string;
  /** Attachments already uploaded (keys), with what to show meanwhile. */
  attachments: Attachment[];
  status: OutgoingStatus;
  /** Why it failed, for status 'failed'. */
  error: string | null;
  /** When it was (last) sent, ms since the epoch. */
  sentAt: number;
  /** The message it answers (sent as replyToId; its quote shows meanwhile). */
  replyTo?: ReplyRef;
  /** The members its text mentions. */
  mentions?: string[];
}

export type OutboxAction =
  | { type: 'queued'; item: Outgoing }
  | { type: 'sending'; clientMsgId: string; attachments: Attachment[]; at: number }
  | { type: 'created'; message: Message }
  | { type: 'rejected'; clientMsgId: string; error: string }
  | { type: 'timeout'; now: number; afterMs: number }
  | { type: 'retry'; clientMsgId: string; at: number }
  | { type: 'discard'; clientMsgId: string };

/** What the messages list shows while a send is pending. */
export function outboxReducer(items: readonly Outgoing[], action: OutboxAction): Outgoing[] {
  switch (action.type) {
    case 'queued':
      return [...items, action.item];
    case 'sending':
      return items.map((o) =>
        o.clientMsgId === action.clientMsgId
          ? { ...o, status: 'pending', attachments: action.attachments, error: null, sentAt: action.at }
          : o,
      );
    case 'created':
      return items.filter((o) => o.clientMsgId !== action.message.clientMsgId);
    case 'rejected':
      return items.map((o) =>
        o.clientMsgId === action.clientMsgId ? { ...o, status: 'failed', error: action.error } : o,
      );
    case 'timeout':
      return items.map((o) =>
        o.status === 'pending' && action.now - o.sentAt >= action.afterMs
          ? { ...o, status: 'failed', error: 'Not sent: the server did not answer in time.' }
          : o,
      );
    case 'retry':
      return items.map((o) =>
        o.clientMsgId === action.clientMsgId && o.status === 'failed'
          ? { ...o, status: 'pending', error: null, sentAt: action.at }
          : o,
      );
    case 'discard':
      return items.filter((o) => o.clientMsgId !== action.clientMsgId);
  }
}
