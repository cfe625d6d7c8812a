/**
 * The group, member, invite and user-search endpoints of API.md, one
 * function each, called with the session's authorized client. They reject
 * with an ApiError exactly as the client does; none of them retries.
 */
import type { ApiClient } from './client';
import type { Group, GroupDetail, Invite, Member, MemberPatch, Page, User } from './types';
import { uploadWithProgress, type UploadProgress, type XhrLike } from './upload';

const g = (id: string) => `/groups/${encodeURIComponent(id)}`;

/** GET /groups: the caller's groups (not paginated). */
export async function listGroups(api: ApiClient): Promise<Group[]> {
  return (await api.get<{ items: Group[] }>('/groups')).items;
}

/** POST /groups: a new group with the caller as creator; 400 for a bad name. */
export function createGroup(api: ApiClient, name: string): Promise<Group> {
  return api.post<Group>('/groups', { name });
}

/** GET /groups/{id}: the group and its members; 404 for non-members. */
export function getGroup(api: ApiClient, id: string, signal?: AbortSignal): Promise<GroupDetail> {
  return api.get<GroupDetail>(g(id), signal ? { signal } : {});
}

/** PATCH /groups/{id}: rename (creator or admin). */
export function renameGroup(api: ApiClient, id: string, name: string): Promise<Group> {
  return api.patch<Group>(g(id), { name });
}

/** DELETE /groups/{id} (creator). */
export async function deleteGroup(api: ApiClient, id: string): Promise<void> {
  await api.delete(g(id));
}

/** DELETE /groups/{id}/picture (creator or admin); 404 when there is none. */
export async function removeGroupPicture(api: ApiClient, id: string): Promise<void> {
  await api.delete(`${g(id)}/picture`);
}

/** PATCH /groups/{id}/members/{userId}: role and/or rights (ARCHITECTURE.md §6). */
export function updateMember(api: ApiClient, id: string, userId: string, patch: MemberPatch): Promise<Member> {
  return api.patch<Member>(`${g(id)}/members/${encodeURIComponent(userId)}`, patch);
}

/** DELETE /groups/{id}/members/{userId}: remove, or leave when userId is the caller. */
export async function removeMember(api: ApiClient, id: string, userId: string): Promise<void> {
  await api.delete(`${g(id)}/members/${encodeURIComponent(userId)}`);
}

/** POST /groups/{id}/owner: the creator hands the group over and becomes an admin. */
export function transferOwnership(api: ApiClient, id: string, userId: string): Promise<Group> {
  return api.post<Group>(`${g(id)}/owner`, { userId });
}

/** POST /groups/{id}/invites: 409 when already a member or already invited. */
export function inviteUser(api: ApiClient, id: string, userId: string): Promise<Invite> {
  return api.post<Invite>(`${g(id)}/invites`, { userId });
}

/** GET /invites: the caller's pending invites, received or sent, newest first (first page). */
export async function listInvites(api: ApiClient, direction: 'received' | 'sent'): Promise<Invite[]> {
  const page = await api.get<Page<Invite>>(`/invites?direction=${direction}&status=pending&limit=100`);
  return page.items;
}

/** POST /invites/{id}/accept: the caller joins; 409 if no longer pending. */
export function acceptInvite(api: ApiClient, id: string): Promise<{ invite: Invite; group: Group }> {
  return api.post<{ invite: Invite; group: Group }>(`/invites/${encodeURIComponent(id)}/accept`);
}

/** POST /invites/{id}/decline; 409 if no longer pending. */
export function declineInvite(api: ApiClient, id: string): Promise<{ invite: Invite }> {
  return api.post<{ invite: Invite }>(`/invites/${encodeURIComponent(id)}/decline`);
}

/** DELETE /invites/{id}: cancel (inviter, creator or admin). */
export async function cancelInvite(api: ApiClient, id: string): Promise<void> {
  await api.delete(`/invites/${encodeURIComponent(id)}`);
}

/** GET /search/users: verified users by name, best first; 429 when searching too fast. */
export async function searchUsers(
  api: ApiClient,
  q: string,
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<User[]> {
  const params = new URLSearchParams({ q, limit: String(options.limit ?? 8) });
  const res = await api.get<{ items: User[] }>(
    `/search/users?${params.toString()}`,
    options.signal ? { signal: options.signal } : {},
  );
  return res.items;
}

export interface GroupPictureUpload {
  groupId: string;
  file: Blob;
  token: string | null;
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
  baseUrl?: string;
  createXhr?: () => XhrLike;
}

/** PUT /groups/{id}/picture as multipart field `picture`, with upload progress. */
export function uploadGroupPicture(upload: GroupPictureUpload): Promise<Group> {
  const body = new FormData();
  body.append('picture', upload.file, upload.file instanceof File ? upload.file.name : 'picture');
  return uploadWithProgress<Group>({
    method: 'PUT',
    url: `${upload.baseUrl ?? '/api/v1'}${g(upload.groupId)}/picture`,
    body,
    headers: upload.token ? { Authorization: `Bearer ${upload.token}` } : {},
    ...(upload.onProgress ? { onProgress: upload.onProgress } : {}),
    ...(upload.signal ? { signal: upload.signal } : {}),
    ...(upload.createXhr ? { createXhr: upload.createXhr } : {}),
  });
}

/**
 * POST /direct: the caller's one-to-one conversation with userId, a Group of
 * kind `direct` (made on the first start, opened on every later one; whoever
 * had left it is back). 400 for one's own id, 404 for no such user, 429 when
 * starting too many.
 */
export function startDirect(api: ApiClient, userId: string): Promise<Group> {
  return api.post<Group>('/direct', { userId });
}
