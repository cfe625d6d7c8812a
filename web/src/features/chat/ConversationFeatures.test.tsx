/** Edit, replies, reactions, mentions and the list's roving focus (issue 13), against a fake API. */
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupDetail, Member, Message } from '../../api/types';
import { ToastProvider } from '../../components/Toast';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { apiError, fakeServer, inAnHour, json, maya, noContent, type Handler } from '../../test/fakeServer';
import { Conversation } from './Conversation';

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const me: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'member', rights: none, joinedAt: '2026-11-27T10:00:00Z' };
const xavier: Member = { ...me, userId: 'u-x', username: 'xavier', role: 'creator' };
const xena: Member = { ...me, userId: 'u-xe', username: 'xena' };
const group: GroupDetail = {
  id: 'g1',
  name: 'Hikers',
  pictureUrl: null,
  createdAt: '2026-11-27T10:00:00Z',
  creatorId: 'u-x',
  memberCount: 3,
  me,
  members: [xavier, me, xena],
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
const page = (items: Message[], hasMore = false) => () => json(200, { items: [...items].reverse(), hasMore });
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
      <ToastProvider>
        <Conversation group={group} />
      </ToastProvider>
    </SessionProvider>,
  );
  await waitFor(() => expect(document.querySelector('[aria-busy="true"]')).toBeNull());
  return server;
}

/** The message whose text contains this (its quote aside). */
function item(text: string): HTMLElement {
  const found = [...document.querySelectorAll<HTMLElement>('li.msg')].filter((li) => li.querySelector('.msg-text')?.textContent?.includes(text));
  expect(found).toHaveLength(1);
  return found[0] as HTMLElement;
}

function openMenu(li: HTMLElement, choice: string) {
  fireEvent.click(within(li).getByRole('button', { name: 'Message actions' }));
  fireEvent.click(screen.getByRole('menuitem', { name: choice }));
}

const composer = () => screen.getByRole('textbox', { name: 'Message' });

function type(box: HTMLElement, value: string) {
  fireEvent.change(box, { target: { value, selectionStart: value.length, selectionEnd: value.length } });
}

describe('editing', () => {
  it('edits in place from the menu: Enter saves over PATCH with the mentions, "(edited)" shows its time', async () => {
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1), msg(2, { authorId: maya.id, text: 'helo' })]),
      'PATCH /groups/g1/messages/m2': (call) => {
        const body = call.body as { text: string; mentions: string[] };
        return json(200, msg(2, { authorId: maya.id, text: body.text, mentions: body.mentions, editedAt: '2026-11-27T10:07:00Z' }));
      },
    });
    openMenu(item('helo'), 'Edit');
    const editor = screen.getByRole('textbox', { name: 'Edit message' });
    await waitFor(() => expect(document.activeElement).toBe(editor));
    type(editor, 'hello @xavier ');
    fireEvent.keyDown(editor, { key: 'Enter' });
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull());
    expect(server.calls.find((c) => c.method === 'PATCH')?.body).toEqual({ text: 'hello @xavier', mentions: ['u-x'] });
    const li = item('@xavier');
    const edited = within(li).getByText('(edited)');
    expect(edited.getAttribute('title')).toMatch(/^Edited /);
    expect(within(li).getByText('@xavier').className).toBe('mention');
  });

  it('↑ in the empty composer edits my last message; Esc cancels without a request', async () => {
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { authorId: maya.id, text: 'older of mine' }), msg(2, { authorId: maya.id, text: 'newest of mine' }), msg(3)]),
    });
    fireEvent.keyDown(composer(), { key: 'ArrowUp' });
    const editor = screen.getByRole('textbox', { name: 'Edit message' }) as HTMLTextAreaElement;
    expect(editor.value).toBe('newest of mine');
    fireEvent.keyDown(editor, { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
    expect(screen.getByText('newest of mine')).toBeTruthy();
    expect(server.calls.some((c) => c.method === 'PATCH')).toBe(false);
    // With text in the box, ↑ is the caret's.
    type(composer(), 'draft');
    fireEvent.keyDown(composer(), { key: 'ArrowUp' });
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
  });

  it('keeps the editor open and says why when the edit is refused', async () => {
    await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { authorId: maya.id, text: 'too late' })]),
      'PATCH /groups/g1/messages/m1': () => apiError(403, 'forbidden', 'the time to edit this message has passed'),
    });
    openMenu(item('too late'), 'Edit');
    const editor = screen.getByRole('textbox', { name: 'Edit message' });
    type(editor, 'too late, changed');
    fireEvent.keyDown(editor, { key: 'Enter' });
    expect((await screen.findByRole('alert')).textContent).toContain('the time to edit this message has passed');
    expect(screen.getByRole('textbox', { name: 'Edit message' })).toBeTruthy();
  });
});

describe('replies', () => {
  it('Reply puts a quote above the composer, the send carries replyToId, and Esc cancels a reply', async () => {
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { text: 'where do we meet?' })]),
      'POST /groups/g1/messages': (call) => {
        const body = call.body as { clientMsgId: string; text: string; replyToId?: string };
        return json(201, msg(2, { authorId: maya.id, text: body.text, clientMsgId: body.clientMsgId, replyTo: { id: 'm1', seq: 1, authorId: 'u-x', excerpt: 'where do we meet?', deleted: false } }));
      },
    });
    openMenu(item('where do we meet?'), 'Reply');
    const quote = screen.getByRole('group', { name: 'Replying to xavier' });
    expect(quote.textContent).toContain('where do we meet?');
    await waitFor(() => expect(document.activeElement).toBe(composer()));
    fireEvent.keyDown(composer(), { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Replying to xavier' })).toBeNull();

    openMenu(item('where do we meet?'), 'Reply');
    type(composer(), 'at the bridge');
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(screen.getByText('at the bridge')).toBeTruthy());
    const sent = server.calls.find((c) => c.method === 'POST' && c.path === '/groups/g1/messages')?.body as { replyToId?: string };
    expect(sent.replyToId).toBe('m1');
    expect(screen.queryByRole('group', { name: 'Replying to xavier' })).toBeNull();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Reply to xavier: where do we meet?. Show the original' })).toBeTruthy());
  });

  it('shows a deleted original as deleted', async () => {
    await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { deleted: true, text: '' }), msg(2, { text: 'answer', replyTo: { id: 'm1', seq: 1, authorId: 'u-x', excerpt: '', deleted: true } })]),
    });
    const quote = within(item('answer')).getByRole('button', { name: /^Reply to xavier: Message deleted/ });
    expect(quote.className).toContain('msg-quote-deleted');
  });

  it('a click on the quote loads older pages until the original is there, then focuses and highlights it', async () => {
    const older = Array.from({ length: 100 }, (_, i) => msg(i + 1, { text: `old ${i + 1}.` }));
    const newest = Array.from({ length: 50 }, (_, i) => msg(i + 101));
    const reply = msg(151, { text: 'about that', replyTo: { id: 'm3', seq: 3, authorId: 'u-x', excerpt: 'old 3.', deleted: false } });
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([...newest.slice(1), reply], true),
      'GET /groups/g1/messages?limit=100&before=102': page([...older, newest[0] as Message].slice(-100), true),
      'GET /groups/g1/messages?limit=100&before=2': page(older.slice(0, 1), false),
    });
    fireEvent.click(within(item('about that')).getByRole('button', { name: /^Reply to xavier: old 3\./ }));
    // Two pages of 100 to render: slow on a busy machine.
    await waitFor(() => expect(document.activeElement).toBe(item('old 3.')), { timeout: 10_000 });
    expect(item('old 3.').className).toContain('msg-highlight');
    expect(server.count('GET', '/groups/g1/messages?limit=100&before=102')).toBe(1);
    expect(server.count('GET', '/groups/g1/messages?limit=100&before=2')).toBe(0);
  }, 20_000);
});

describe('reactions', () => {
  const reactions = [
    { emoji: '👍', count: 2, userIds: ['u-x', maya.id] },
    { emoji: '🎉', count: 1, userIds: ['u-xe'] },
  ];

  it('shows chips with counts and who reacted; a click takes mine back at once', async () => {
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { text: 'we made it', reactions })]),
      [`DELETE /groups/g1/messages/m1/reactions/${encodeURIComponent('👍')}`]: () => noContent(),
    });
    const chips = within(item('we made it')).getByRole('group', { name: 'Reactions' });
    const thumbs = within(chips).getByRole('button', { name: '👍 2: xavier and you' });
    expect(thumbs.getAttribute('aria-pressed')).toBe('true');
    expect(thumbs.getAttribute('title')).toBe('xavier and you reacted with 👍');
    expect(within(chips).getByRole('button', { name: '🎉 1: xena' }).getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(thumbs);
    expect(within(chips).getByRole('button', { name: '👍 1: xavier' }).getAttribute('aria-pressed')).toBe('false');
    await waitFor(() => expect(server.count('DELETE', `/groups/g1/messages/m1/reactions/${encodeURIComponent('👍')}`)).toBe(1));
  });

  it('adds from the picker with PUT; a refusal (409) is rolled back and shown as a toast', async () => {
    let refuse = false;
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { text: 'vote here' })]),
      [`PUT /groups/g1/messages/m1/reactions/${encodeURIComponent('🎉')}`]: () => noContent(),
      [`PUT /groups/g1/messages/m1/reactions/${encodeURIComponent('😮')}`]: () =>
        refuse ? apiError(409, 'conflict', 'this message has too many different reactions') : noContent(),
    });
    fireEvent.click(within(item('vote here')).getByRole('button', { name: 'Add reaction' }));
    const picker = screen.getByRole('dialog', { name: 'Add reaction' });
    fireEvent.click(within(picker).getByRole('button', { name: 'React with 🎉' }));
    expect(screen.queryByRole('dialog', { name: 'Add reaction' })).toBeNull();
    const chips = within(item('vote here')).getByRole('group', { name: 'Reactions' });
    expect(within(chips).getByRole('button', { name: '🎉 1: you' })).toBeTruthy();
    await waitFor(() => expect(server.count('PUT', `/groups/g1/messages/m1/reactions/${encodeURIComponent('🎉')}`)).toBe(1));

    refuse = true;
    fireEvent.click(within(chips).getByRole('button', { name: 'Add reaction' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Add reaction' })).getByRole('button', { name: 'React with 😮' }));
    expect((await screen.findByRole('alert')).textContent).toContain('this message has too many different reactions');
    expect(within(chips).queryByRole('button', { name: /^😮/ })).toBeNull();
  });
});

it('"More emoji" opens the full picker; a search and Enter react with its first match', async () => {
  const rocket = `/groups/g1/messages/m1/reactions/${encodeURIComponent('🚀')}`;
  const server = await renderConversation({
    'GET /groups/g1/messages?limit=50': page([msg(1, { text: 'launch day' })]),
    [`PUT ${rocket}`]: () => noContent(),
  });
  fireEvent.click(within(item('launch day')).getByRole('button', { name: 'Add reaction' }));
  fireEvent.click(within(screen.getByRole('dialog', { name: 'Add reaction' })).getByRole('button', { name: 'More emoji' }));
  // The full list loads on first use: slow on a busy machine.
  const search = await within(await screen.findByRole('dialog', { name: 'Add reaction' })).findByRole('searchbox', { name: 'Search emoji' }, { timeout: 10_000 });
  fireEvent.change(search, { target: { value: 'rocket' } });
  fireEvent.keyDown(search, { key: 'Enter' });
  expect(screen.queryByRole('dialog', { name: 'Add reaction' })).toBeNull();
  expect(within(item('launch day')).getByRole('button', { name: '🚀 1: you' })).toBeTruthy();
  await waitFor(() => expect(server.count('PUT', rocket)).toBe(1));
}, 20_000);

describe('mentions', () => {
  it('@ opens the members list; ↓ and Enter insert the name; the send carries the mentioned ids', async () => {
    const server = await renderConversation({
      'GET /groups/g1/messages?limit=50': page([]),
      'POST /groups/g1/messages': (call) => {
        const body = call.body as { clientMsgId: string; text: string };
        return json(201, msg(1, { authorId: maya.id, text: body.text, clientMsgId: body.clientMsgId }));
      },
    });
    const box = composer();
    type(box, 'hi @x');
    const options = within(screen.getByRole('listbox', { name: 'Members to mention' })).getAllByRole('option');
    expect(options.map((o) => o.querySelector('.mention-option-name')?.textContent)).toEqual(['@xavier', '@xena']);
    expect(box.getAttribute('aria-activedescendant')).toBe(options[0]?.id);
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(box.getAttribute('aria-activedescendant')).toBe(options[1]?.id);
    fireEvent.keyDown(box, { key: 'Enter' });
    expect((box as HTMLTextAreaElement).value).toBe('hi @xena ');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(server.count('POST', '/groups/g1/messages')).toBe(0);

    type(box, 'hi @xena and @xav');
    fireEvent.keyDown(box, { key: 'Tab' });
    expect((box as HTMLTextAreaElement).value).toBe('hi @xena and @xavier ');
    type(box, 'hi @xena and @xavier, @nobody and @xena!');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(server.count('POST', '/groups/g1/messages')).toBe(1));
    expect((server.calls.find((c) => c.method === 'POST' && c.path === '/groups/g1/messages')?.body as { mentions: string[] }).mentions).toEqual(['u-xe', 'u-x']);
  });

  it('Esc closes the list and leaves the text as typed', async () => {
    await renderConversation({ 'GET /groups/g1/messages?limit=50': page([]) });
    const box = composer();
    type(box, '@xe');
    expect(screen.getByRole('listbox')).toBeTruthy();
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('listbox')).toBeNull();
    expect((box as HTMLTextAreaElement).value).toBe('@xe');
  });

  it('marks mentions in messages, mine most', async () => {
    await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1, { text: 'ping @maya and @xena, not @bob', mentions: [maya.id, 'u-xe'] })]),
    });
    const li = item('ping');
    expect(within(li).getByText('@maya').className).toBe('mention mention-me');
    expect(within(li).getByText('@xena').className).toBe('mention');
    expect(li.className).toContain('msg-mentions-me');
    expect(li.getAttribute('aria-label')).toMatch(/mentions you$/);
  });
});

describe('roving focus', () => {
  it('the list is one Tab stop: ↑/↓/Home/End move it, Enter opens the menu, Esc goes to the composer', async () => {
    await renderConversation({
      'GET /groups/g1/messages?limit=50': page([msg(1), msg(2, { reactions: [{ emoji: '👍', count: 1, userIds: ['u-x'] }] }), msg(3)]),
    });
    const list = screen.getByRole('list', { name: 'Messages in Hikers' });
    const stops = () => [...list.querySelectorAll<HTMLElement>('li.msg')].filter((li) => li.tabIndex === 0).map((li) => li.textContent);
    expect(stops()).toEqual([expect.stringContaining('message 3')]);
    for (const b of within(list).getAllByRole('button', { name: 'Message actions' })) expect(b.tabIndex).toBe(-1);
    const [m1, m2, m3] = [item('message 1'), item('message 2'), item('message 3')];
    act(() => m3.focus());
    fireEvent.keyDown(m3, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(m2);
    expect(m2.tabIndex).toBe(0);
    expect(m3.tabIndex).toBe(-1);
    // The active message's own controls are reachable with Tab; others' are not.
    expect(within(m2).getByRole('button', { name: /^👍 1/ }).tabIndex).toBe(0);
    fireEvent.keyDown(m2, { key: 'Home' });
    expect(document.activeElement).toBe(m1);
    expect(within(m2).getByRole('button', { name: /^👍 1/ }).tabIndex).toBe(-1);
    fireEvent.keyDown(m1, { key: 'End' });
    expect(document.activeElement).toBe(m3);
    fireEvent.keyDown(m3, { key: 'Enter' });
    const menu = screen.getByRole('menu');
    await waitFor(() => expect(document.activeElement).toBe(within(menu).getAllByRole('menuitem')[0]));
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(m3);
    fireEvent.keyDown(m3, { key: 'Escape' });
    expect(document.activeElement).toBe(composer());
  });
});
