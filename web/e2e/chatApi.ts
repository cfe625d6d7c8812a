/**
 * A user's API session for browser tests that set things up through the
 * real API: a group with members, messages posted, a display name.
 */
import { expect, request, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { clusterDir, clusterHeaders } from './cluster';
import { clientAddress, type TestUser } from './users';

export interface Api {
  api: APIRequestContext;
  token: string;
  id: string;
}

export async function apiAs(baseURL: string, user: TestUser): Promise<Api> {
  const api = await request.newContext({ baseURL, extraHTTPHeaders: clusterDir() ? clusterHeaders() : clientAddress() });
  const res = await api.post('/api/v1/auth/login', { data: { email: user.email, password: user.password } });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { accessToken: string; user: { id: string } };
  return { api, token: body.accessToken, id: body.user.id };
}

export const auth = (a: Api) => ({ Authorization: `Bearer ${a.token}` });

/** `owner` creates a group and each of `members` accepts an invite; returns the group's id. */
export async function groupWith(owner: Api, members: Api[], name: string): Promise<string> {
  const created = await owner.api.post('/api/v1/groups', { data: { name }, headers: auth(owner) });
  expect(created.status(), await created.text()).toBe(201);
  const groupId = ((await created.json()) as { id: string }).id;
  for (const m of members) {
    const invite = await owner.api.post(`/api/v1/groups/${groupId}/invites`, { data: { userId: m.id }, headers: auth(owner) });
    expect(invite.status(), await invite.text()).toBe(201);
    const inviteId = ((await invite.json()) as { id: string }).id;
    const accepted = await m.api.post(`/api/v1/invites/${inviteId}/accept`, { headers: auth(m) });
    expect(accepted.status(), await accepted.text()).toBe(200);
  }
  return groupId;
}

export async function postText(as: Api, groupId: string, text: string): Promise<void> {
  const res = await as.api.post(`/api/v1/groups/${groupId}/messages`, { data: { clientMsgId: randomUUID(), text }, headers: auth(as) });
  expect(res.status(), await res.text()).toBe(201);
}
