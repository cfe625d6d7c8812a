import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { GroupDetail, Member } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { apiError, fakeServer, inAnHour, json, maya } from '../../test/fakeServer';
import { AddMemberDialog, conflictState } from './AddMemberDialog';
import { GroupsProvider } from './GroupsContext';

const all = { addMembers: true, removeMembers: true, deleteMessages: true, muteMembers: true };
const me: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'creator', rights: all, joinedAt: '2026-11-27T10:00:00Z' };
const group: GroupDetail = {
  id: 'g1',
  name: 'Hikers',
  pictureUrl: null,
  createdAt: '2026-11-27T10:00:00Z',
  creatorId: maya.id,
  memberCount: 1,
  me,
  members: [me],
};
const empty = () => json(200, { items: [], nextCursor: null });

describe('conflictState', () => {
  it('tells "already a member" from "already invited" by the server message', () => {
    expect(conflictState('this user is already a member of the group')).toBe('member');
    expect(conflictState('this user already has a pending invite to this group')).toBe('invited');
  });
});

describe('AddMemberDialog', () => {
  it('searches after typing, invites the chosen person, and shows 409 states', async () => {
    const server = fakeServer({
      'GET /groups': () => json(200, { items: [] }),
      'GET /invites?direction=received&status=pending&limit=100': empty,
      'GET /invites?direction=sent&status=pending&limit=100': empty,
      'GET /search/users?q=al&limit=8': () =>
        json(200, {
          items: [
            { id: 'u-alice', username: 'alice', pictureUrl: null },
            { id: 'u-alan', username: 'alan', pictureUrl: null },
            { id: 'u-albert', username: 'albert', pictureUrl: null },
          ],
        }),
      'POST /groups/g1/invites': (call) => {
        const { userId } = call.body as { userId: string };
        if (userId === 'u-alan') return apiError(409, 'conflict', 'this user is already a member of the group');
        if (userId === 'u-albert') return apiError(409, 'conflict', 'this user already has a pending invite to this group');
        return json(201, {});
      },
    });
    const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
    session.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: maya });
    render(
      <SessionProvider session={session}>
        <GroupsProvider intervalMs={0}>
          <AddMemberDialog group={group} onClose={() => {}} onChanged={() => {}} />
        </GroupsProvider>
      </SessionProvider>,
    );
    const box = screen.getByRole('combobox', { name: 'Search people by name' });
    fireEvent.change(box, { target: { value: 'a' } });
    fireEvent.change(box, { target: { value: 'al' } });
    const alice = await screen.findByRole('option', { name: /alice/ });
    // Only the settled query was sent.
    expect(server.calls.filter((c) => c.path.startsWith('/search/')).map((c) => c.path)).toEqual([
      '/search/users?q=al&limit=8',
    ]);

    fireEvent.click(alice);
    await waitFor(() => expect(within(alice).getByText('Invite sent')).toBeTruthy());
    expect(server.calls.find((c) => c.method === 'POST')?.body).toEqual({ userId: 'u-alice' });

    // Keyboard: ↓ to alan, Enter invites.
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    fireEvent.keyDown(box, { key: 'Enter' });
    const alan = screen.getByRole('option', { name: /alan/ });
    await waitFor(() => expect(within(alan).getByText('Already a member')).toBeTruthy());

    fireEvent.click(screen.getByRole('option', { name: /albert/ }));
    await waitFor(() =>
      expect(within(screen.getByRole('option', { name: /albert/ })).getByText('Already invited')).toBeTruthy(),
    );
  });
});
