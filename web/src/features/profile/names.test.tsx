import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { checkDisplayName, displayName, handle } from '../../api/names';
import { Avatar, hueSlot } from '../../components/Avatar';
import type { GroupDetail, Me, Member, Message } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { apiError, fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';
import { UserMenu } from '../app/UserMenu';
import { Conversation } from '../chat/Conversation';
import { AddMemberDialog } from '../groups/AddMemberDialog';
import { GroupsProvider } from '../groups/GroupsContext';
import { MembersDialog } from '../groups/MembersDialog';
import { ProfileDialog } from './ProfileDialog';

describe('names', () => {
  it('shows the display name when set, else the username; the @username beside a display name', () => {
    expect(displayName({ username: 'maya' })).toBe('maya');
    expect(displayName({ username: 'maya', displayName: 'Maya Lind' })).toBe('Maya Lind');
    expect(displayName({ username: 'maya', displayName: '   ' })).toBe('maya');
    expect(displayName({ username: 'maya', displayName: null })).toBe('maya');
    expect(handle({ username: 'maya' })).toBeNull();
    expect(handle({ username: 'maya', displayName: 'Maya Lind' })).toBe('@maya');
    expect(handle({ username: 'maya', displayName: 'maya' })).toBeNull();
  });

  it('avatars take their initials from the shown name and keep the username’s colour', () => {
    const { container } = render(<Avatar name="Maya Lind" colorKey="maya" />);
    const el = container.querySelector('.avatar') as HTMLElement;
    expect(el.textContent).toBe('ML');
    expect(el.className).toContain(`avatar-hue-${hueSlot('maya')}`);
  });

  it('checks a display name as the server does', () => {
    expect(checkDisplayName('')).toBeNull();
    expect(checkDisplayName('  Maya Lind  ')).toBeNull();
    expect(checkDisplayName('👩‍💻 Maya')).toBeNull(); // ZWJ allowed
    expect(checkDisplayName('x'.repeat(64))).toBeNull();
    expect(checkDisplayName('é'.repeat(64))).toBeNull();
    expect(checkDisplayName('x'.repeat(65))).toMatch(/at most 64/);
    expect(checkDisplayName('two\nlines')).toMatch(/one line/);
    expect(checkDisplayName('bell\u0007')).toMatch(/invisible or control/);
    expect(checkDisplayName('rtl\u202Eoverride')).toMatch(/invisible or control/);
    expect(checkDisplayName('zero\u200Bwidth')).toMatch(/invisible or control/);
    expect(checkDisplayName('private\uE000')).toMatch(/invisible or control/);
  });
});

function signedIn(me: Me, handlers: Record<string, Handler> = {}) {
  const server = fakeServer(handlers);
  const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
  session.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: me });
  return { server, session };
}

function currentMe(session: Session): Me | null {
  const s = session.getState();
  return s.status === 'signedIn' ? s.me : null;
}

describe('the profile dialog’s display name', () => {
  it('saves a trimmed name with PATCH /users/me, updates the session, and clears it with null', async () => {
    const { server, session } = signedIn(maya, {
      'PATCH /users/me': (call) => {
        const name = (call.body as { displayName: string | null }).displayName;
        return json(200, name ? { ...maya, displayName: name } : maya);
      },
    });
    render(
      <SessionProvider session={session}>
        <ProfileDialog me={maya} onClose={() => {}} />
      </SessionProvider>,
    );
    const field = screen.getByLabelText('Display name') as HTMLInputElement;
    const save = screen.getByRole('button', { name: 'Save name' }) as HTMLButtonElement;
    expect(field.value).toBe('');
    expect(save.disabled).toBe(true);
    fireEvent.change(field, { target: { value: '  Maya Lind ' } });
    fireEvent.click(save);
    await waitFor(() => expect(screen.getByText(/Your groups see you as Maya Lind/)).toBeTruthy());
    expect(server.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ displayName: 'Maya Lind' });
    expect(currentMe(session)?.displayName).toBe('Maya Lind');
    expect(field.value).toBe('Maya Lind');

    fireEvent.change(field, { target: { value: '' } });
    fireEvent.click(save);
    await waitFor(() => expect(screen.getByText(/Your groups see you as maya/)).toBeTruthy());
    expect(server.calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ displayName: null });
    expect(currentMe(session)?.displayName).toBeUndefined();
  });

  it('refuses what the server would before sending, and shows the server’s field error', async () => {
    const { server, session } = signedIn(maya, {
      'PATCH /users/me': () => apiError(400, 'invalid', 'invalid input', { fields: { displayName: 'must be at most 64 characters' } }),
    });
    render(
      <SessionProvider session={session}>
        <ProfileDialog me={maya} onClose={() => {}} />
      </SessionProvider>,
    );
    const field = screen.getByLabelText('Display name');
    fireEvent.change(field, { target: { value: 'bell\u0007' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    expect(screen.getByText('Remove the invisible or control characters.')).toBeTruthy();
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(server.count('PATCH', '/users/me')).toBe(0);

    fireEvent.change(field, { target: { value: 'Fine name' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    await waitFor(() => expect(screen.getByText('must be at most 64 characters')).toBeTruthy());
    expect(currentMe(session)?.displayName).toBeUndefined();
  });
});

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const creator: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'creator', rights: { addMembers: true, removeMembers: true, deleteMessages: true, muteMembers: true }, joinedAt: '2026-11-27T10:00:00Z' };
const ola: Member = { userId: 'u-ola', username: 'ola', displayName: 'Ola Nordmann', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };
const message = (seq: number, authorId: string, text: string): Message => ({ id: `m${seq}`, groupId: 'g1', seq, authorId, text, attachments: [], createdAt: '2026-11-27T10:00:00Z', clientMsgId: null, deleted: false, hidden: false });
const zed: Member = { userId: 'u-zed', username: 'aaron', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };

describe('display names in the views', () => {
  it('the members list shows the display name with the @username, sorted by the shown name', () => {
    const { session } = signedIn(maya);
    const group: GroupDetail = { id: 'g1', name: 'Hikers', pictureUrl: null, createdAt: '2026-11-27T10:00:00Z', creatorId: maya.id, memberCount: 3, me: creator, members: [creator, zed, ola] };
    render(
      <SessionProvider session={session}>
        <MembersDialog group={group} onClose={() => {}} onChanged={() => {}} />
      </SessionProvider>,
    );
    const list = screen.getByRole('list', { name: 'Members' });
    const rows = within(list).getAllByRole('listitem').map((li) => li.getAttribute('aria-label'));
    expect(rows).toEqual(['maya', 'aaron', 'Ola Nordmann']);
    const row = within(list).getByRole('listitem', { name: 'Ola Nordmann' });
    expect(within(row).getByText('@ola')).toBeTruthy();
    expect(within(row).getByRole('button', { name: 'Remove Ola Nordmann' })).toBeTruthy();
    expect(within(within(list).getByRole('listitem', { name: 'aaron' })).queryByText(/^@/)).toBeNull();
  });

  it('a message’s author line, and a reply’s quote, show the display name (the @username on hover)', async () => {
    const { session } = signedIn(maya, {
      'GET /groups/g1/messages?limit=50': () =>
        json(200, {
          items: [
            { ...message(2, maya.id, 'Hei back'), replyTo: { id: 'm1', seq: 1, authorId: 'u-ola', excerpt: 'Hei', deleted: false } },
            message(1, 'u-ola', 'Hei'),
          ],
          hasMore: false,
        }),
    });
    const group: GroupDetail = { id: 'g1', name: 'Hikers', pictureUrl: null, createdAt: '2026-11-27T10:00:00Z', creatorId: maya.id, memberCount: 2, me: creator, members: [creator, ola] };
    render(
      <SessionProvider session={session}>
        <Conversation group={group} />
      </SessionProvider>,
    );
    const list = await screen.findByRole('list', { name: 'Messages in Hikers' });
    const author = await within(list).findByText('Ola Nordmann', { selector: '.msg-author' });
    expect(author.getAttribute('title')).toBe('@ola');
    expect(within(list).queryByText('ola')).toBeNull();
    expect(within(list).getByRole('button', { name: /^Reply to Ola Nordmann: Hei/ })).toBeTruthy();
  });

  it('search results show the display name with the @username', async () => {
    const empty = () => json(200, { items: [], nextCursor: null });
    const { session } = signedIn(maya, {
      'GET /groups': () => json(200, { items: [] }),
      'GET /invites?direction=received&status=pending&limit=100': empty,
      'GET /invites?direction=sent&status=pending&limit=100': empty,
      'GET /search/users?q=nord&limit=8': () =>
        json(200, { items: [{ id: 'u-ola', username: 'ola', displayName: 'Ola Nordmann', pictureUrl: null }, { id: 'u-nord', username: 'nordic', pictureUrl: null }] }),
    });
    const group: GroupDetail = { id: 'g1', name: 'Hikers', pictureUrl: null, createdAt: '2026-11-27T10:00:00Z', creatorId: maya.id, memberCount: 1, me: creator, members: [creator] };
    render(
      <SessionProvider session={session}>
        <GroupsProvider intervalMs={0}>
          <AddMemberDialog group={group} onClose={() => {}} onChanged={() => {}} />
        </GroupsProvider>
      </SessionProvider>,
    );
    expect(screen.getByText('Type part of a name or username to find people on this server.')).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Search people by name' }), { target: { value: 'nord' } });
    const ola = await screen.findByRole('option', { name: /Ola Nordmann/ });
    expect(within(ola).getByText('@ola')).toBeTruthy();
    const nordic = screen.getByRole('option', { name: /nordic/ });
    expect(within(nordic).queryByText(/^@/)).toBeNull();
  });

  it('the user menu shows my display name, and my @username inside', () => {
    const me: Me = { ...maya, displayName: 'Maya Lind' };
    render(<UserMenu me={me} onProfile={() => {}} onSignOut={() => {}} />);
    const button = screen.getByRole('button', { name: /Maya Lind/ });
    fireEvent.click(button);
    const menu = screen.getByRole('menu', { name: 'Account' });
    expect(within(menu).getByText('@maya')).toBeTruthy();
  });
});
