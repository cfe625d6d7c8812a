import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupDetail, Member, Message } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { apiError, fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';
import { Conversation } from './Conversation';

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const me: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };
const xavier: Member = { ...me, userId: 'u-x', username: 'xavier', role: 'creator' };
const group: GroupDetail = {
  id: 'g1',
  name: 'Hikers',
  pictureUrl: null,
  createdAt: '2026-11-27T10:00:00Z',
  creatorId: 'u-x',
  memberCount: 2,
  me,
  members: [xavier, me],
};
const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  groupId: 'g1',
  seq,
  authorId: 'u-x',
  text: `message ${seq}`,
  attachments: [],
  createdAt: '2026-11-27T10:00:00Z',
  clientMsgId: null,
  deleted: false,
  hidden: false,
  ...over,
});
const sessions: Session[] = [];

afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

async function renderConversation(handlers: Record<string, Handler>) {
  const server = fakeServer({
    'POST /auth/refresh': () => json(200, { accessToken: 'tok', expiresAt: inAnHour() }),
    'GET /users/me': () => json(200, maya),
    ...handlers,
  });
  const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
  sessions.push(session);
  await act(() => session.start());
  render(
    <SessionProvider session={session}>
      <Conversation group={group} />
    </SessionProvider>,
  );
  return server;
}

describe('Conversation', () => {
  it('shows history with authors, tombstones and ex-members, and leaves hidden messages out', async () => {
    await renderConversation({
      'GET /groups/g1/messages?limit=50': () =>
        json(200, {
          items: [msg(4, { authorId: 'u-gone', text: 'from the past' }), msg(3, { hidden: true, text: '' }), msg(2, { deleted: true, text: '' }), msg(1)],
          hasMore: false,
        }),
    });
    const list = await screen.findByRole('list', { name: 'Messages in Hikers' });
    expect(within(list).getByText('message 1')).toBeTruthy();
    expect(within(list).getByText('xavier')).toBeTruthy();
    expect(within(list).getByText('Message deleted')).toBeTruthy();
    expect(within(list).getByText('Former member')).toBeTruthy();
    expect(within(list).queryByText('message 3')).toBeNull();
  });

  it('sends with Enter (over REST without a socket), not with Shift+Enter, and shows the confirmed message', async () => {
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': () => json(200, { items: [], hasMore: false }),
      'POST /groups/g1/messages': (call) => {
        const body = call.body as { clientMsgId: string; text: string };
        return json(201, msg(1, { authorId: maya.id, text: body.text, clientMsgId: body.clientMsgId }));
      },
    });
    const box = await screen.findByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'hello' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(server.count('POST', '/groups/g1/messages')).toBe(0);
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(screen.getByRole('listitem', { name: /^You at / })).toBeTruthy());
    expect(screen.getByText('hello')).toBeTruthy();
    expect(screen.queryByRole('listitem', { name: 'Sending' })).toBeNull();
    const sent = server.calls.find((c) => c.method === 'POST' && c.path === '/groups/g1/messages')?.body as { clientMsgId: string };
    expect(sent.clientMsgId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('marks a refused send failed with the reason, and Retry sends the same clientMsgId again', async () => {
    let attempts = 0;
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': () => json(200, { items: [], hasMore: false }),
      'POST /groups/g1/messages': (call) => {
        attempts++;
        if (attempts === 1) return apiError(503, 'unavailable', 'Try again soon.');
        const body = call.body as { clientMsgId: string; text: string };
        return json(201, msg(1, { authorId: maya.id, text: body.text, clientMsgId: body.clientMsgId }));
      },
    });
    const box = await screen.findByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'are you there?' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    const failed = await screen.findByRole('listitem', { name: 'Not sent' });
    expect(within(failed).getByRole('alert').textContent).toContain('Try again soon.');
    fireEvent.click(within(failed).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: 'Not sent' })).toBeNull());
    const ids = server.calls.filter((c) => c.method === 'POST' && c.path === '/groups/g1/messages').map((c) => (c.body as { clientMsgId: string }).clientMsgId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  it('offers "Delete for everyone" only where the rights table allows it', async () => {
    await renderConversation({
      'GET /groups/g1/messages?limit=50': () =>
        json(200, { items: [msg(2, { authorId: maya.id, text: 'mine' }), msg(1, { text: 'theirs' })], hasMore: false }),
    });
    const list = await screen.findByRole('list', { name: 'Messages in Hikers' });
    const [theirs, mine] = within(list).getAllByRole('button', { name: 'Message actions' });
    fireEvent.click(theirs as HTMLElement);
    expect(screen.getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Reply', 'Add reaction', 'Delete for me']);
    fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' });
    fireEvent.click(mine as HTMLElement);
    expect(screen.getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Reply', 'Add reaction', 'Edit', 'Delete for everyone', 'Delete for me']);
  });
});
