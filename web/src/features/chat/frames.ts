/** The frames of the chat WebSocket (API.md "Chat WebSocket"). */
import type { Group, Invite, Member, Message } from '../../api/types';

export type ServerFrame =
  | { type: 'ready'; userId: string; groups: { groupId: string; lastSeq: number }[] }
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

/** Reads a text frame; null for anything that is not an object with a string type. */
export function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null;
  try {
    const v = JSON.parse(data) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string') return v as ServerFrame;
  } catch {
    // not JSON: ignored
  }
  return null;
}
