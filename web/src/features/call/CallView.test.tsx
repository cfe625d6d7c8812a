import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Group, GroupDetail, Member } from '../../api/types';
import { App } from '../../app/App';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { FakeMedia, FakeSocket, offer, peerFactory } from '../../test/fakeRtc';
import { apiError, fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';
import { CallSessionFactory } from './CallContext';
import type { Participant } from './frames';
import { CallSession } from './session';

const none = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const all = { addMembers: true, removeMembers: true, deleteMessages: true, muteMembers: true };
const t0 = '2026-11-27T10:00:00Z';
const mayaMember: Member = { userId: maya.id, username: 'maya', pictureUrl: null, role: 'member', rights: none, joinedAt: t0 };
const xavier: Member = { userId: 'u-x', username: 'xavier', pictureUrl: null, role: 'creator', rights: all, joinedAt: t0 };
const kaiMember: Member = { userId: 'u-k', username: 'kai', pictureUrl: null, role: 'member', rights: none, joinedAt: t0 };
const group = (me: Member): GroupDetail => ({
  id: 'g1', name: 'Hikers', pictureUrl: null, createdAt: t0, creatorId: 'u-x', memberCount: 3, me, members: [xavier, me, kaiMember],
});
const summary = (g: GroupDetail): Group => ({ id: g.id, name: g.name, pictureUrl: null, createdAt: t0, creatorId: g.creatorId, memberCount: 3, me: g.me });

const on = { muted: false, mutedBy: null };
const part = (id: string, m: Member, over: Partial<Participant> = {}): Participant => ({
  participantId: id, userId: m.userId, username: m.username, audio: on, video: on, screen: false, ...over,
});

const sessions: Session[] = [];
afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
});

async function renderGroup(me: Member, handlers: Record<string, Handler> = {}) {
  window.history.replaceState(null, '', '/g/g1');
  const detail = group(me);
  const server = fakeServer({
    'POST /auth/refresh': () => json(200, { accessToken: 'tok', expiresAt: inAnHour() }),
    'GET /users/me': () => json(200, maya),
    'GET /invites?direction=received&status=pending&limit=100': () => json(200, { items: [], nextCursor: null }),
    'GET /invites?direction=sent&status=pending&limit=100': () => json(200, { items: [], nextCursor: null }),
    'GET /groups': () => json(200, { items: [summary(detail)] }),
    'GET /groups/g1': () => json(200, detail),
    'GET /groups/g1/messages?limit=50': () => json(200, { items: [], hasMore: false }),
    'GET /calls/g1': () => json(200, { active: false, startedAt: null, participants: [] }),
    ...handlers,
  });
  const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
  sessions.push(session);
  const sockets: FakeSocket[] = [];
  const peers = peerFactory();
  const media = new FakeMedia();
  const factory = (opts: ConstructorParameters<typeof CallSession>[0]) =>
    new CallSession({
      ...opts,
      createSocket: (u) => {
        const s = new FakeSocket(u);
        sockets.push(s);
        return s;
      },
      createPeer: peers.create,
      media,
    });
  render(
    <SessionProvider session={session}>
      <CallSessionFactory.Provider value={factory}>
        <App />
      </CallSessionFactory.Provider>
    </SessionProvider>,
  );
  await act(() => session.start());
  await screen.findByRole('heading', { level: 1, name: 'Hikers' });
  return { server, sockets, peers: peers.peers, media };
}

/** Joins through the header's video button and answers like the server. */
async function joinCall(t: Awaited<ReturnType<typeof renderGroup>>, participants: Participant[], selfId: string) {
  // The header's button (the banner has one too while a call is on).
  fireEvent.click((await screen.findAllByRole('button', { name: /video call|with video/ }))[0] as HTMLElement);
  await waitFor(() => expect(t.sockets).toHaveLength(1));
  const s = t.sockets[0] as FakeSocket;
  await act(async () => {
    s.open();
    s.frame({ type: 'joined', participantId: selfId, participants, iceServers: [] });
    s.frame({ type: 'offer', sdp: offer([{ kind: 'audio', mid: '0', dir: 'recvonly' }, { kind: 'video', mid: '1', dir: 'recvonly' }]) });
  });
  return s;
}

describe('call screen', () => {
  it('says calls are not available when the server has none, and stays in the chat', async () => {
    await renderGroup(mayaMember, { 'GET /calls/g1': () => apiError(404, 'not_found', 'no route') });
    fireEvent.click(await screen.findByRole('button', { name: 'Start an audio call' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Calls are not available right now.');
    expect(screen.queryByRole('toolbar', { name: 'Call controls' })).toBeNull();
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeTruthy();
  });

  it('shows a banner with who is in the call, and a join button', async () => {
    await renderGroup(mayaMember, {
      'GET /calls/g1': () => json(200, { active: true, startedAt: t0, participants: [part('p9', xavier), part('p8', kaiMember)] }),
    });
    const banner = await screen.findByRole('region', { name: 'Call in progress' });
    expect(banner.textContent).toContain('xavier and kai are in the call');
    expect(within(banner).getByRole('button', { name: 'Join the call with video' })).toBeTruthy();
    expect(within(banner).getByRole('button', { name: 'Join the call with audio only' })).toBeTruthy();
    // The header offers the same.
    expect(screen.getAllByRole('button', { name: 'Join the call with audio only' })).toHaveLength(2);
  });

  it('names people by their member display name: the banner and the tiles', async () => {
    const named: Member = { ...xavier, displayName: 'Xavier Dolan' };
    const t = await renderGroup(mayaMember, {
      'GET /groups/g1': () => json(200, { ...group(mayaMember), members: [named, mayaMember, kaiMember] }),
      'GET /calls/g1': () => json(200, { active: true, startedAt: t0, participants: [part('p9', xavier), part('p8', kaiMember)] }),
    });
    const banner = await screen.findByRole('region', { name: 'Call in progress' });
    await waitFor(() => expect(banner.textContent).toContain('Xavier Dolan and kai are in the call'));
    const s = await joinCall(t, [part('p9', xavier), part('p1', mayaMember)], 'p1');
    const grid = await screen.findByRole('list', { name: 'Participants' });
    await waitFor(() => expect(within(grid).getByRole('listitem', { name: /^Xavier Dolan/ })).toBeTruthy());
    expect(within(grid).queryByText('xavier')).toBeNull();
    expect(within(grid).getByRole('listitem', { name: /^maya \(you\)/ })).toBeTruthy();
    // A moderator's mute and its lift name him so too.
    await act(async () => {
      s.frame({ type: 'moderated', kind: 'audio', muted: true, by: 'p9' });
      s.frame({ type: 'participant.updated', participant: part('p1', mayaMember, { audio: { muted: true, mutedBy: 'p9' } }) });
    });
    expect(await screen.findByRole('button', { name: 'Microphone muted by Xavier Dolan' })).toBeTruthy();
    await act(async () => {
      s.frame({ type: 'moderated', kind: 'audio', muted: false, by: 'p9' });
      s.frame({ type: 'participant.updated', participant: part('p1', mayaMember, { audio: { muted: true, mutedBy: null } }) });
    });
    expect(await screen.findByText('Xavier Dolan lifted the mute on your microphone.')).toBeTruthy();
  });

  it('joins, shows the tiles, and a moderator mute blocks the microphone with the reason', async () => {
    const t = await renderGroup(mayaMember, {
      'GET /calls/g1': () => json(200, { active: true, startedAt: t0, participants: [part('p9', xavier)] }),
    });
    const s = await joinCall(t, [part('p9', xavier), part('p1', mayaMember)], 'p1');
    expect(s.sent.slice(0, 2)).toEqual([{ type: 'auth', token: 'tok' }, { type: 'join', audio: true, video: true }]);
    const grid = await screen.findByRole('list', { name: 'Participants' });
    await waitFor(() => expect(within(grid).getAllByRole('listitem')).toHaveLength(2));
    expect(within(grid).getByRole('listitem', { name: /^xavier/ })).toBeTruthy();
    expect(within(grid).getByRole('listitem', { name: /^maya \(you\)/ })).toBeTruthy();
    // The chat underneath is covered and inert.
    expect(screen.getByRole('heading', { level: 2, name: 'Hikers' })).toBeTruthy();

    const mic = screen.getByRole('button', { name: 'Turn off microphone' });
    fireEvent.click(mic);
    await waitFor(() => expect(s.of('mute')).toEqual([{ type: 'mute', kind: 'audio', muted: true }]));
    await act(async () => {
      s.frame({ type: 'participant.updated', participant: part('p1', mayaMember, { audio: { muted: true, mutedBy: null } }) });
      s.frame({ type: 'moderated', kind: 'audio', muted: true, by: 'p9' });
      s.frame({ type: 'participant.updated', participant: part('p1', mayaMember, { audio: { muted: true, mutedBy: 'p9' } }) });
    });
    const blocked = await screen.findByRole('button', { name: 'Microphone muted by xavier' });
    expect(blocked.getAttribute('aria-disabled')).toBe('true');
    expect(document.getElementById(blocked.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      'xavier turned off your microphone. Only a moderator can turn it back on.',
    );
    fireEvent.click(blocked);
    fireEvent.keyDown(window, { key: 'd', ctrlKey: true });
    await act(async () => {});
    expect(s.of('mute')).toHaveLength(1);
    expect(within(grid).getByRole('listitem', { name: /^maya \(you\).*microphone muted by xavier/ })).toBeTruthy();
    expect(within(grid).getByText('Muted by xavier')).toBeTruthy();
  });

  it('offers "mute for everyone" only where the rights table allows it, and sends moderate and subscribe', async () => {
    const t = await renderGroup({ ...mayaMember, rights: { ...none, muteMembers: true } });
    const s = await joinCall(t, [part('p9', xavier), part('p8', kaiMember), part('p1', mayaMember)], 'p1');
    const grid = await screen.findByRole('list', { name: 'Participants' });
    // The creator: only "for me" options.
    fireEvent.click(within(grid).getByRole('button', { name: 'Options for xavier' }));
    let menu = screen.getByRole('menu', { name: 'Options for xavier' });
    expect(within(menu).getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Mute xavier for me', "Hide xavier's video for me"]);
    fireEvent.keyDown(menu, { key: 'Escape' });
    // A plain member: for everyone too.
    fireEvent.click(within(grid).getByRole('button', { name: 'Options for kai' }));
    menu = screen.getByRole('menu', { name: 'Options for kai' });
    expect(within(menu).getAllByRole('menuitem').map((m) => m.textContent)).toEqual([
      'Mute kai for me',
      "Hide kai's video for me",
      'Mute kai for everyone',
      "Turn off kai's camera for everyone",
    ]);
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Mute kai for everyone' }));
    expect(s.of('moderate')).toEqual([{ type: 'moderate', participantId: 'p8', kind: 'audio', muted: true }]);
    await act(async () => {
      s.frame({ type: 'participant.updated', participant: part('p8', kaiMember, { audio: { muted: true, mutedBy: 'p1' } }) });
    });
    expect(within(grid).getByText('Muted by you')).toBeTruthy();
    fireEvent.click(within(grid).getByRole('button', { name: 'Options for kai' }));
    menu = screen.getByRole('menu', { name: 'Options for kai' });
    fireEvent.click(within(menu).getByRole('menuitem', { name: "Lift mute on kai's microphone" }));
    expect(s.of('moderate')[1]).toEqual({ type: 'moderate', participantId: 'p8', kind: 'audio', muted: false });
    fireEvent.click(within(grid).getByRole('button', { name: 'Options for kai' }));
    fireEvent.click(within(screen.getByRole('menu', { name: 'Options for kai' })).getByRole('menuitem', { name: 'Mute kai for me' }));
    expect(s.of('subscribe')).toEqual([{ type: 'subscribe', participantId: 'p8', kind: 'audio', enabled: false }]);
    expect(within(grid).getByRole('listitem', { name: /^kai.*muted for you/ })).toBeTruthy();
  });

  it('collapses to a bar over the chat, and leaving ends the call', async () => {
    const t = await renderGroup(mayaMember);
    const s = await joinCall(t, [part('p1', mayaMember)], 'p1');
    fireEvent.click(await screen.findByRole('button', { name: 'Show the chat (the call goes on)' }));
    const bar = await screen.findByRole('region', { name: 'Your call' });
    expect(bar.textContent).toContain('Only you so far');
    expect(screen.getByRole('textbox', { name: 'Message' })).toBeTruthy();
    fireEvent.click(within(bar).getByRole('button', { name: 'Open call' }));
    expect(await screen.findByRole('toolbar', { name: 'Call controls' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Leave call' }));
    expect(s.of('leave')).toHaveLength(1);
    expect(s.closedWith).toBe(1000);
    await waitFor(() => expect(screen.queryByRole('toolbar', { name: 'Call controls' })).toBeNull());
    expect(t.media.opened.every((x) => x.readyState === 'ended')).toBe(true);
  });

  it('says "no longer a member" when the server closes with 4004, and shows "reconnecting" on 1001', async () => {
    const t = await renderGroup(mayaMember);
    const s = await joinCall(t, [part('p1', mayaMember)], 'p1');
    await act(async () => s.drop(1001));
    expect((await screen.findAllByText('Reconnecting…')).length).toBeGreaterThan(0);
    await waitFor(() => expect(t.sockets).toHaveLength(2), { timeout: 3_000 });
    const s2 = t.sockets[1] as FakeSocket;
    await act(async () => {
      s2.open();
      s2.frame({ type: 'error', error: { code: 'not_found', message: 'not a member' } });
      s2.drop(4004);
    });
    expect(await screen.findByRole('heading', { name: 'You left this group' })).toBeTruthy();
    expect(screen.getByText('You are no longer a member of this group.')).toBeTruthy();
  });

  it('does not break the chat when the call state cannot be read', async () => {
    await renderGroup(mayaMember, { 'GET /calls/g1': () => apiError(503, 'unavailable', 'down') });
    expect(await screen.findByText('No messages yet')).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Call in progress' })).toBeNull();
  });
});
