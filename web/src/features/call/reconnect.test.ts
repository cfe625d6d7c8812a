/**
 * Reconnects, close codes, ICE restarts, re-auth, liveness and leaving.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMedia, FakeSocket, fake, offer, peerFactory, type FakePeer } from '../../test/fakeRtc';
import type { Participant } from './frames';
import { CallSession, type CallOptions } from './session';

const on = { muted: false, mutedBy: null };
const me = (id = 'p1', over: Partial<Participant> = {}): Participant => ({
  participantId: id, userId: 'u1', username: 'maya', audio: on, video: on, screen: false, ...over,
});
const first = offer([{ kind: 'audio', mid: '0', dir: 'recvonly' }, { kind: 'video', mid: '1', dir: 'recvonly' }]);

function setup(over: Partial<CallOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const peers = peerFactory();
  const media = new FakeMedia();
  let token = 'tok-1';
  const refreshToken = vi.fn((): Promise<string | null> => Promise.resolve((token = 'tok-2')));
  const call = new CallSession({
    groupId: 'g1',
    url: 'ws://t',
    audio: true,
    video: true,
    getToken: () => token,
    refreshToken,
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    createPeer: peers.create,
    media,
    random: () => 1,
    ...over,
  });
  const sock = () => sockets[sockets.length - 1] as FakeSocket;
  const peer = () => peers.peers[peers.peers.length - 1] as FakePeer;
  const join = async (id = 'p1', self = me(id)) => {
    sock().open();
    sock().frame({ type: 'joined', participantId: id, participants: [self], iceServers: [] });
    sock().frame({ type: 'offer', sdp: first });
    await settle();
  };
  return { call, sockets, sock, peer, peers: peers.peers, media, refreshToken, join, setToken: (t: string) => (token = t) };
}

const settle = () => vi.advanceTimersByTimeAsync(1);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('close codes', () => {
  for (const code of [1001, 1012, 1013, 1006]) {
    it(`rejoins after ${code} with backoff, keeping the devices and the intent`, async () => {
      const t = setup();
      t.call.start();
      await settle();
      await t.join();
      t.call.setMicrophone(false);
      await settle();
      const mic = fake(t.peer().transceiver('0').sender.track);
      t.sock().drop(code);
      expect(t.call.getSnapshot().phase).toBe('reconnecting');
      expect(t.peer().closed).toBe(true);
      // random() = 1: the first retry waits the full first step (1 s).
      await vi.advanceTimersByTimeAsync(999);
      expect(t.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(t.sockets).toHaveLength(2);
      t.sock().open();
      // The microphone was off: it is not announced (and asked for again when turned on).
      expect(t.sock().sent.slice(0, 2)).toEqual([
        { type: 'auth', token: 'tok-1' },
        { type: 'join', audio: false, video: true },
      ]);
      t.sock().frame({ type: 'joined', participantId: 'p7', participants: [me('p7', { audio: { muted: true, mutedBy: null } })], iceServers: [] });
      t.sock().frame({ type: 'offer', sdp: offer([{ kind: 'video', mid: '0', dir: 'recvonly' }]) });
      await settle();
      expect(t.peers).toHaveLength(2);
      expect(t.peer().transceiver('0').sender.track).toBe(t.media.opened[1]?.asTrack);
      expect(t.media.opened).toHaveLength(2); // no device was reopened
      expect(mic?.readyState).toBe('live');
      t.peer().ice('connected');
      expect(t.call.getSnapshot().phase).toBe('joined');
      expect(t.call.getSnapshot().selfId).toBe('p7');
    });
  }

  it('backs off exponentially up to a cap, then gives up', async () => {
    const t = setup({ maxAttempts: 4 });
    t.call.start();
    await settle();
    await t.join();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.sock().drop(1013);
      const n = t.sockets.length;
      let waited = 0;
      while (t.sockets.length === n) {
        await vi.advanceTimersByTimeAsync(250);
        waited += 250;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000]);
    t.sock().drop(1013);
    expect(t.call.getSnapshot().ended).toEqual({ reason: 'failed', message: 'The connection to the call was lost.' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.sockets).toHaveLength(5);
  });

  it('ends with "no longer a member" on 4004 and "full" on 4009, without retrying', async () => {
    for (const [code, reason, message] of [
      [4004, 'removed', 'You are no longer a member of this group.'],
      [4009, 'full', 'The call is full.'],
    ] as const) {
      const t = setup();
      t.call.start();
      await settle();
      await t.join();
      t.sock().frame({ type: 'error', error: { code: 'not_found', message: 'not a member' } });
      t.sock().drop(code);
      expect(t.call.getSnapshot().ended).toEqual({ reason, message });
      expect(t.media.opened.every((x) => x.readyState === 'ended')).toBe(true);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(t.sockets).toHaveLength(1);
    }
  });

  it('refreshes the token after 4001 and rejoins with the new one; ends when the session is over', async () => {
    const t = setup();
    t.call.start();
    await settle();
    await t.join();
    t.sock().drop(4001);
    await settle();
    expect(t.refreshToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    t.sock().open();
    expect(t.sock().sent[0]).toEqual({ type: 'auth', token: 'tok-2' });

    t.refreshToken.mockImplementation(() => Promise.resolve(null));
    t.sock().drop(4001);
    await settle();
    expect(t.call.getSnapshot().ended?.reason).toBe('signedOut');
  });

  it('gives up quickly with "unavailable" when it never got in (e.g. no call service)', async () => {
    const t = setup();
    t.call.start();
    await settle();
    for (let i = 0; i < 3; i++) {
      t.sock().drop(1006);
      await vi.advanceTimersByTimeAsync(20_000);
    }
    t.sock().drop(1006);
    expect(t.call.getSnapshot().ended?.reason).toBe('unavailable');
    expect(t.sockets).toHaveLength(4);
  });
});

describe('ICE', () => {
  it('restarts ICE when it fails and comes back without a new socket when it recovers', async () => {
    const t = setup();
    t.call.start();
    await settle();
    await t.join();
    t.peer().ice('connected');
    t.peer().ice('failed');
    expect(t.sock().of('renegotiate')).toEqual([{ type: 'renegotiate', iceRestart: true }]);
    expect(t.call.getSnapshot().phase).toBe('reconnecting');
    t.peer().ice('failed'); // no second restart while one runs
    expect(t.sock().of('renegotiate')).toHaveLength(1);
    t.sock().frame({ type: 'offer', sdp: offer([{ kind: 'audio', mid: '0', dir: 'recvonly' }, { kind: 'video', mid: '1', dir: 'recvonly' }], 'u2') });
    await settle();
    expect(t.sock().of('answer')).toHaveLength(2);
    t.peer().ice('connected');
    expect(t.call.getSnapshot().phase).toBe('joined');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.sockets).toHaveLength(1);
  });

  it('treats a long "disconnected" as failed', async () => {
    const t = setup({ disconnectedGraceMs: 4_000 });
    t.call.start();
    await settle();
    await t.join();
    t.peer().ice('connected');
    t.peer().ice('disconnected');
    await vi.advanceTimersByTimeAsync(3_999);
    expect(t.sock().of('renegotiate')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sock().of('renegotiate')).toEqual([{ type: 'renegotiate', iceRestart: true }]);
  });

  it('a short "disconnected" is nothing', async () => {
    const t = setup({ disconnectedGraceMs: 4_000 });
    t.call.start();
    await settle();
    await t.join();
    t.peer().ice('connected');
    t.peer().ice('disconnected');
    await vi.advanceTimersByTimeAsync(2_000);
    t.peer().ice('connected');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.sock().of('renegotiate')).toEqual([]);
  });

  it('rejoins on a new socket when the ICE restart does not recover in time', async () => {
    const t = setup({ iceRestartTimeoutMs: 10_000 });
    t.call.start();
    await settle();
    await t.join();
    t.peer().ice('failed');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.sockets[0]?.closedWith).toBe(1000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(t.sockets).toHaveLength(2);
    expect(t.call.getSnapshot().phase).toBe('reconnecting');
  });
});

describe('auth, liveness, leave', () => {
  it('re-sends auth on the open socket whenever the session refreshes its token', async () => {
    const t = setup({ tokenCheckMs: 5_000 });
    t.call.start();
    await settle();
    await t.join();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.sock().of('auth')).toHaveLength(1);
    t.setToken('tok-3');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(t.sock().of('auth')).toEqual([{ type: 'auth', token: 'tok-1' }, { type: 'auth', token: 'tok-3' }]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(t.sock().of('auth')).toHaveLength(2);
  });

  it('pings, and rejoins when a ping goes unanswered', async () => {
    const t = setup({ pingMs: 25_000 });
    t.call.start();
    await settle();
    await t.join();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(t.sock().of('ping')).toHaveLength(1);
    t.sock().frame({ type: 'pong' });
    await vi.advanceTimersByTimeAsync(25_000);
    expect(t.sock().of('ping')).toHaveLength(2);
    expect(t.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(25_000);
    expect(t.sockets[0]?.closedWith).toBe(1000);
    expect(t.call.getSnapshot().phase).toBe('reconnecting');
  });

  it('leave sends leave, closes with 1000 and stops every device', async () => {
    const t = setup();
    t.call.start();
    await settle();
    await t.join();
    await t.call.startScreenShare();
    t.call.leave();
    expect(t.sock().sent[t.sock().sent.length - 1]).toEqual({ type: 'leave' });
    expect(t.sock().closedWith).toBe(1000);
    expect(t.peer().closed).toBe(true);
    expect(t.media.opened.map((x) => x.readyState)).toEqual(['ended', 'ended', 'ended']);
    expect(t.call.getSnapshot().ended?.reason).toBe('left');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.sockets).toHaveLength(1);
  });
});
