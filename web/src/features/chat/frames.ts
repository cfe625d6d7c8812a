/** The frames of the chat WebSocket (API.md "Chat WebSocket"). */
import type { Group, Invite, Member, Message } from '../../api/types';
import type { ReadyGroup } from './readState';

export type ServerFrame =
  | { type: 'ready'; userId: string; groups: ReadyGroup[]; presence?: PresenceEntry[] }
  | ({ type: 'presence' } & PresenceEntry)
  | { type: 'presence.batch'; presence: PresenceEntry[] }
  | { type: 'read.updated'; groupId: string; lastReadSeq: number; unread: number; mentions: number }
  | { type: 'receipt.updated'; groupId: string; userId: string; lastReadSeq: number }
  | { type: 'typing'; groupId: string; userId: string }
  | { type: 'message.created'; message: Message }
  | { type: 'message.rejected'; groupId: string; clientMsgId: string; error: { code: string; message: string } }
  | { type: 'message.updated'; message: Message }
  | { type: 'message.deleted'; groupId: string; messageId: string; seq: number }
  | ReactionFrame
  | { type: 'message.hidden'; groupId: string; messageId: string }
  | { type: 'group.updated'; group: Group }
  | { type: 'group.deleted'; groupId: string }
  | { type: 'member.added' | 'member.updated'; groupId: string; member: Member }
  | { type: 'member.removed'; groupId: string; userId: string }
  | { type: 'invite.created' | 'invite.updated'; invite: Invite }
  | { type: 'call.updated'; groupId: string; participants: string[]; startedAt: string }
  | { type: 'call.ended'; groupId: string }
  | { type: 'pong' }
  | { type: 'error'; error: { code: string; message: string } };

/** Someone added or took back a reaction (CONTRACT-13 "Reactions"). */
export interface ReactionFrame {
  type: 'reaction.added' | 'reaction.removed';
  groupId: string;
  messageId: string;
  seq: number;
  emoji: string;
  userId: string;
}

export interface SendFrame {
  type: 'message.send';
  groupId: string;
  clientMsgId: string;
  text: string;
  attachments: { key: string }[];
  replyToId?: string;
  mentions?: string[];
}

/** A user's presence (issue 14): offline when absent from what a client keeps. */
export type PresenceStatus = 'online' | 'away' | 'offline';

export interface PresenceEntry {
  userId: string;
  status: PresenceStatus;
}

/** What the client sends besides messages: a read cursor, a typing hint, my presence (issue 14). */
export type ClientFrame =
  | SendFrame
  | { type: 'read'; groupId: string; seq: number }
  | { type: 'typing'; groupId: string }
  | { type: 'presence'; status: 'online' | 'away' };

/**
 * A Message as message.created and message.updated carry it (issue 11, the
 * lean form): a field at its default is absent (text "", attachments [],
 * clientMsgId null, deleted and hidden false; editedAt, replyTo, reactions
 * and mentions as in Message).
 */
export type LeanMessage = Pick<Message, 'id' | 'groupId' | 'seq' | 'authorId' | 'createdAt'> & Partial<Message>;

/** The full Message of a lean one: absent means empty, null or false. */
export function normalizeMessage(m: LeanMessage): Message {
  return {
    ...m,
    text: m.text ?? '',
    attachments: m.attachments ?? [],
    clientMsgId: m.clientMsgId ?? null,
    deleted: m.deleted ?? false,
    hidden: m.hidden ?? false,
  };
}

/**
 * Reads a text frame; null for anything that is not an object with a string
 * type. The message of message.created and message.updated comes out whole
 * (normalizeMessage), so the rest of the client never meets the lean form.
 */
export function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  try {
    const v = JSON.parse(data) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string') {
      const f = v as ServerFrame;
      if ((f.type === 'message.created' || f.type === 'message.updated') && typeof f.message === 'object' && f.message !== null) {
        return { ...f, message: normalizeMessage(f.message as LeanMessage) };
      }
      return f;
    }
  } catch {
    // not JSON: ignored
  }
  return null;
}
