import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../app/App';
import type { Group, Member } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';
import { takeJump } from './jumps';

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const meMember: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };
const hikers: Group = { id: 'g1', kind: 'group', name: 'Hikers', pictureUrl: null, createdAt: '2026-11-27T10:00:00Z', creatorId: 'u-x', memberCount: 2, me: meMember };
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

describe('MessageSearch', () => {
  it('focuses on /, shows highlighted snippets as text, and opens the message in its group', async () => {
    await renderAt('/', {
      'GET /groups': () => json(200, { items: [hikers] }),
      'GET /search/messages?q=deploy': () =>
        json(200, {
          items: [
            {
              message: { id: 'm7', groupId: 'g1', seq: 7, authorId: maya.id, createdAt: '2026-12-01T09:30:00Z' },
              snippet: '<b>not bold</b> the deployment 🎉 is ready',
              highlights: [[20, 30]],
            },
          ],
        }),
      'GET /groups/g1': () => json(200, { ...hikers, members: [meMember] }),
      'GET /groups/g1/messages?limit=50': () => json(200, { items: [], hasMore: false }),
    });
    await screen.findByRole('link', { name: /Hikers/ });
    const box = screen.getByRole('combobox', { name: 'Search messages' });
    fireEvent.keyDown(document.body, { key: '/' });
    expect(document.activeElement).toBe(box);
    fireEvent.change(box, { target: { value: 'deploy' } });
    const option = await screen.findByRole('option', { name: /deployment/ });
    expect(within(option).getByText('Hikers')).toBeTruthy();
    expect(within(option).getByText(/^You · /)).toBeTruthy();
    const marks = option.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['deployment']);
    expect(option.querySelector('b')).toBeNull();
    expect(option.textContent).toContain('<b>not bold</b>');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(window.location.pathname).toBe('/g/g1'));
    expect(screen.queryByRole('option')).toBeNull();
    // The conversation took the request: its history is empty here, so it says the message is gone.
    expect(await screen.findByText('The original message is no longer there.')).toBeTruthy();
    expect(takeJump('g1')).toBeNull();
  });
});
