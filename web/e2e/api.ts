/**
 * Setting up what a browser test needs through the real API (the UI of it
 * has its own specs): signing in and making a group of several users.
 */
import { expect, request, type APIRequestContext } from '@playwright/test';
import { clusterDir, clusterHeaders } from './cluster';
import { clientAddress, type TestUser } from './users';

/**
 * Signs user in through the API from a client address of its own (see
 * clientAddress): the suite's sign-ins from 127.0.0.1 would exceed its 30
 * logins per 15 minutes.
 */
export async function login(api: APIRequestContext, user: TestUser): Promise<{ token: string; id: string }> {
  const headers = clusterDir() ? clusterHeaders() : clientAddress();
  const res = await api.post('/api/v1/auth/login', { data: { email: user.email, password: user.password }, headers });
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as { accessToken: string; user: { id: string } };
  return { token: body.accessToken, id: body.user.id };
}

/** `owner` creates a group and every one of `members` accepts an invite; returns the group id. */
export async function groupOf(baseURL: string, owner: TestUser, members: TestUser[], name: string): Promise<string> {
  const api = await request.newContext({ baseURL });
  try {
    const lo = await login(api, owner);
    const asOwner = { Authorization: `Bearer ${lo.token}` };
    const created = await api.post('/api/v1/groups', { data: { name }, headers: asOwner });
    expect(created.status(), await created.text()).toBe(201);
    const groupId = ((await created.json()) as { id: string }).id;
    for (const m of members) {
      const lm = await login(api, m);
      const invite = await api.post(`/api/v1/groups/${groupId}/invites`, { data: { userId: lm.id }, headers: asOwner });
      expect(invite.status(), await invite.text()).toBe(201);
      const inviteId = ((await invite.json()) as { id: string }).id;
      const accepted = await api.post(`/api/v1/invites/${inviteId}/accept`, { headers: { Authorization: `Bearer ${lm.token}` } });
      expect(accepted.status(), await accepted.text()).toBe(200);
    }
    return groupId;
  } finally {
    await api.dispose();
  }
}

/** GET /api/v1/calls/{groupId} as `user`. */
export async function callState(baseURL: string, user: TestUser, groupId: string): Promise<{
  active: boolean;
  participants: { userId: string; username: string; audio: { muted: boolean; mutedBy: string | null }; video: { muted: boolean; mutedBy: string | null }; screen: boolean }[];
}> {
  const api = await request.newContext({ baseURL });
  try {
    const { token } = await login(api, user);
    const res = await api.get(`/api/v1/calls/${groupId}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status(), await res.text()).toBe(200);
    return (await res.json()) as Awaited<ReturnType<typeof callState>>;
  } finally {
    await api.dispose();
  }
}
