/**
 * The message and file endpoints of API.md ("Messages and files"), one
 * function each, called with the session's authorized client. They reject
 * with an ApiError exactly as the client does; none of them retries.
 */
import type { ApiClient } from './client';
import type { components } from './schema.gen';
import type { Attachment, Message, MessagePage, UploadSlot } from './types';

const g = (id: string) => `/groups/${encodeURIComponent(id)}`;

/** GET /groups/{id}/messages?before=: newest first; without `before`, the newest page. */
export function listMessagesBefore(
  api: ApiClient,
  groupId: string,
  before: number | null,
  limit = 50,
  signal?: AbortSignal,
): Promise<MessagePage> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before !== null) params.set('before', String(before));
  return api.get<MessagePage>(`${g(groupId)}/messages?${params.toString()}`, signal ? { signal } : {});
}

/** GET /groups/{id}/messages?after=: oldest first (catch-up after a gap or reconnect). */
export function listMessagesAfter(api: ApiClient, groupId: string, after: number, limit = 100): Promise<MessagePage> {
  const params = new URLSearchParams({ after: String(after), limit: String(limit) });
  return api.get<MessagePage>(`${g(groupId)}/messages?${params.toString()}`);
}

export interface SendInput {
  clientMsgId: string;
  text: string;
  attachments?: { key: string }[];
  /** The message this one answers (same group, not deleted). */
  replyToId?: string;
  /** The members the text mentions (ids; non-members are dropped by the server). */
  mentions?: string[];
}

/** POST /groups/{id}/messages: idempotent on clientMsgId. */
export function postMessage(api: ApiClient, groupId: string, input: SendInput): Promise<Message> {
  return api.post<Message>(`${g(groupId)}/messages`, input);
}

export interface EditInput {
  text: string;
  /** Replaces the message's mentions. */
  mentions?: string[];
}

/** PATCH /groups/{id}/messages/{messageId}: the author edits the text; the answer is the new state. */
export function editMessage(api: ApiClient, groupId: string, messageId: string, input: EditInput): Promise<Message> {
  return api.patch<Message>(`${g(groupId)}/messages/${encodeURIComponent(messageId)}`, input);
}

const reaction = (groupId: string, messageId: string, emoji: string) =>
  `${g(groupId)}/messages/${encodeURIComponent(messageId)}/reactions/${encodeURIComponent(emoji)}`;

/** PUT …/reactions/{emoji}: adds my reaction (idempotent); 409 past the distinct-emoji limit. */
export async function addReaction(api: ApiClient, groupId: string, messageId: string, emoji: string): Promise<void> {
  await api.put(reaction(groupId, messageId, emoji));
}

/** DELETE …/reactions/{emoji}: takes my reaction back (idempotent). */
export async function removeReaction(api: ApiClient, groupId: string, messageId: string, emoji: string): Promise<void> {
  await api.delete(reaction(groupId, messageId, emoji));
}

/** DELETE /groups/{id}/messages/{messageId}: delete for everyone. */
export async function deleteMessage(api: ApiClient, groupId: string, messageId: string): Promise<void> {
  await api.delete(`${g(groupId)}/messages/${encodeURIComponent(messageId)}`);
}

/** POST /groups/{id}/messages/{messageId}/hide: delete for me. */
export async function hideMessage(api: ApiClient, groupId: string, messageId: string): Promise<void> {
  await api.post(`${g(groupId)}/messages/${encodeURIComponent(messageId)}/hide`);
}

/** POST /groups/{id}/uploads: one upload slot per file, in request order; 413 when too large. */
export async function createUploads(
  api: ApiClient,
  groupId: string,
  files: Pick<Attachment, 'name' | 'size' | 'contentType'>[],
): Promise<UploadSlot[]> {
  return (await api.post<{ items: UploadSlot[] }>(`${g(groupId)}/uploads`, { files })).items;
}

/** POST /groups/{id}/attachments/urls: short-lived GET URLs for attachment keys. */
export async function attachmentUrls(
  api: ApiClient,
  groupId: string,
  keys: string[],
): Promise<{ key: string; url: string; expiresAt: string }[]> {
  return (await api.post<{ items: { key: string; url: string; expiresAt: string }[] }>(`${g(groupId)}/attachments/urls`, { keys }))
    .items;
}

/** The read state of one group: the cursor, the last seq and what is unread (GET /read-state, POST …/read). */
export type GroupReadState = components['schemas']['ReadState'];

/** POST /groups/{id}/read: moves my read cursor forward to seq (never back); the state after it. */
export function markRead(api: ApiClient, groupId: string, seq: number): Promise<GroupReadState> {
  return api.post<GroupReadState>(`/groups/${encodeURIComponent(groupId)}/read`, { seq });
}

/** One member's read cursor, as read receipts show it ("seen by"). */
export type Receipt = components['schemas']['Receipt'];

/** GET /groups/{id}/read-receipts: the other members' cursors (empty when I do not share mine). */
export async function listReadReceipts(api: ApiClient, groupId: string, signal?: AbortSignal): Promise<Receipt[]> {
  return (await api.get<{ items: Receipt[] }>(`/groups/${encodeURIComponent(groupId)}/read-receipts`, signal ? { signal } : {})).items;
}

/** GET /read-state/settings: whether I share my read receipts. */
export async function getReceiptSharing(api: ApiClient): Promise<boolean> {
  return (await api.get<{ shareReceipts: boolean }>('/read-state/settings')).shareReceipts;
}

/** PUT /read-state/settings: share my read receipts, or not (then I see no one else's either). */
export async function setReceiptSharing(api: ApiClient, shareReceipts: boolean): Promise<boolean> {
  return (await api.put<{ shareReceipts: boolean }>('/read-state/settings', { shareReceipts })).shareReceipts;
}
