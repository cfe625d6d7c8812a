import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import type { Group, GroupDetail, Member } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';
import { directName, isDirect, peerOf, splitGroups } from './direct';

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const meMember: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };
const xavier: Member = { ...meMember, userId: 'u-x', username: 'xavier', displayName: 'Xavier Stone' };
const hikers: Group = { id: 'g1', kind: 'group', name: 'Hikers', pictureUrl: null, createdAt: '2026-11-27T10:00:00Z', creatorId: 'u-x', memberCount: 2, me: meMember };
const hikersDetail: GroupDetail = { ...hikers, members: [{ ...xavier, role: 'creator' }, meMember] };
const dm: Group = { ...hikers, id: 'd1', kind: 'direct', name: '', creatorId: maya.id };
const dmDetail: GroupDetail = { ...dm, members: [meMember, xavier] };
const empty = () => json(200, { items: [], nextCursor: null });
const noMessages = () => json(200, { items: [], hasMore: false });
const sessions: Session[] = [];

afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

async function renderAt(path: string, handlers: Record<string, Handler>) {
  window.history.replaceState(null, '', path);
  const server = fakeServer({
    'POST /auth/refresh': () => json(200, { accessToken: 'tok', expiresAt: inAnHour() }),
    'GET /users/me': () => json(200, maya),
    'GET /invites?direction=received&status=pending&limit=100': empty,
    'GET /invites?direction=sent&status=pending&limit=100': empty,
    ...handlers,
  });
  const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
  sessions.push(session);
  render(
    <SessionProvider session={session}>
      <App />
    </SessionProvider>,
  );
  await act(() => session.start());
  return server;
}

describe('direct helpers', () => {
  it('tells directs apart, a group without kind being a group', () => {
    const { kind: _, ...old } = hikers;
    expect(isDirect(dm)).toBe(true);
    expect(isDirect(hikers)).toBe(false);
    expect(isDirect(old)).toBe(false);
    expect(splitGroups([dm, hikers, old])).toEqual({ groups: [hikers, old], directs: [dm] });
  });

  it('names a direct after the other person: display name, else username, else a placeholder', () => {
    expect(peerOf(dmDetail.members, maya.id)).toBe(xavier);
    expect(directName(xavier)).toBe('Xavier Stone');
    const { displayName: _name, ...plain } = xavier;
    expect(directName(plain)).toBe('xavier');
    expect(peerOf([meMember], maya.id)).toBeNull();
    expect(directName(null)).toBe('Direct message');
  });
});

describe('direct conversations in the app', () => {
  it('lists a direct under Direct messages, named after the other person, and its header shows them without group actions', async () => {
    await renderAt('/g/d1', {
      'GET /groups': () => json(200, { items: [hikers, dm] }),
      'GET /groups/d1': () => json(200, dmDetail),
      'GET /groups/d1/messages?limit=50': noMessages,
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Xavier Stone' })).toBeTruthy();
    expect(screen.getByText('@xavier', { selector: '.groupview-sub' })).toBeTruthy();
    const directs = await screen.findByRole('list', { name: 'Direct messages' });
    const link = await within(directs).findByRole('link', { name: /Xavier Stone/ });
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(within(screen.getByRole('list', { name: 'Your groups' })).queryByRole('link', { name: /Xavier/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add people' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Members' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Group settings' })).toBeNull();
    expect(screen.queryByRole('button', { name: /members?$/ })).toBeNull();
    expect(await screen.findByText('Say hello to Xavier Stone.')).toBeTruthy();

    // ↑/↓ move across both lists.
    const hikersLink = screen.getByRole('link', { name: /Hikers/ });
    hikersLink.focus();
    fireEvent.keyDown(hikersLink, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(link);
  });

  it('starts a direct from the members list with Message, and opens it', async () => {
    let started: unknown = null;
    const server = await renderAt('/g/g1', {
      'GET /groups': () => json(200, { items: started ? [hikers, dm] : [hikers] }),
      'GET /groups/g1': () => json(200, hikersDetail),
      'GET /groups/g1/messages?limit=50': noMessages,
      'GET /groups/d1': () => json(200, dmDetail),
      'GET /groups/d1/messages?limit=50': noMessages,
      'POST /direct': (call) => {
        started = call.body;
        return json(201, dm);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Members' }));
    const dialog = await screen.findByRole('dialog', { name: 'Members' });
    expect(within(dialog).queryByRole('button', { name: 'Message maya' })).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Message Xavier Stone' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Xavier Stone' })).toBeTruthy();
    expect(started).toEqual({ userId: 'u-x' });
    expect(window.location.pathname).toBe('/g/d1');
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Direct messages' })).getByRole('link', { name: /Xavier Stone/ })).toBeTruthy());
    expect(server.count('POST', '/direct')).toBe(1);
  });

  it('starts a direct from New message: search, pick, open', async () => {
    await renderAt('/', {
      'GET /groups': () => json(200, { items: [hikers] }),
      'GET /search/users?q=xav&limit=8': () => json(200, { items: [{ id: 'u-x', username: 'xavier', displayName: 'Xavier Stone', pictureUrl: null }] }),
      'POST /direct': () => json(200, dm),
      'GET /groups/d1': () => json(200, dmDetail),
      'GET /groups/d1/messages?limit=50': noMessages,
    });
    expect(await screen.findByText(/Write to one person/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'New message' }));
    const dialog = await screen.findByRole('dialog', { name: 'New message' });
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'Search people by name' }), { target: { value: 'xav' } });
    fireEvent.click(await within(dialog).findByRole('option', { name: /Xavier Stone/ }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Xavier Stone' })).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'New message' })).toBeNull();
  });
});
