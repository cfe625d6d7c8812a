import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import type { Group, GroupDetail, Member } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { apiError, fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const meMember: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };
const hikers: Group = { id: 'g1', name: 'Hikers', pictureUrl: null, createdAt: '2026-11-27T10:00:00Z', creatorId: 'u-x', memberCount: 2, me: meMember };
const chess: Group = { ...hikers, id: 'g2', name: 'Chess' };
const detail: GroupDetail = {
  ...hikers,
  members: [{ ...meMember, userId: 'u-x', username: 'xavier', role: 'creator' }, meMember],
};
const empty = () => json(200, { items: [], nextCursor: null });
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

describe('GroupView', () => {
  it('shows the open group, marks it in the sidebar, and hides what a plain member may not do', async () => {
    await renderAt('/g/g1', {
      'GET /groups': () => json(200, { items: [chess, hikers] }),
      'GET /groups/g1': () => json(200, detail),
      'GET /groups/g1/messages?limit=50': () => json(200, { items: [], hasMore: false }),
    });
    expect(await screen.findByRole('heading', { level: 1, name: 'Hikers' })).toBeTruthy();
    const link = await screen.findByRole('link', { name: /Hikers/ });
    expect(link.getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: /Chess/ }).getAttribute('aria-current')).toBeNull();
    expect(await screen.findByText('No messages yet')).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add people' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Group settings' })).toBeNull();

    // ↓ moves between groups in the sidebar.
    const chessLink = screen.getByRole('link', { name: /Chess/ });
    chessLink.focus();
    fireEvent.keyDown(chessLink, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(link);
  });

  it('says the group is not available when the server answers 404', async () => {
    await renderAt('/g/gone', {
      'GET /groups': () => json(200, { items: [] }),
      'GET /groups/gone': () => apiError(404, 'not_found', 'no such group'),
    });
    expect(await screen.findByRole('heading', { name: 'This group is not available' })).toBeTruthy();
    await waitFor(() => expect(screen.getByText('No groups yet')).toBeTruthy());
  });
});
