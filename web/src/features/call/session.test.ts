import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMedia, FakeSocket, offer, peerFactory, type FakePeer } from '../../test/fakeRtc';
import type { Participant } from './frames';
import { CallSession, type CallOptions } from './session';

const unmuted = { muted: false, mutedBy: null };
const muted = { muted: true, mutedBy: null };

function person(id: string, name: string, over: Partial<Participant> = {}): Participant {
  return { participantId: id, userId: `u-${id}`, username: name, audio: unmuted, video: unmuted, screen: false, ...over };
}

const me = person('p1', 'maya');
const kai = person('p2', 'kai');

function setup(over: Partial<CallOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const peers = peerFactory();
  const media = new FakeMedia();
  let token = 'tok-1';
  const refreshToken = vi.fn(() => Promise.resolve<string | null>((token = 'tok-2')));
  const call = new CallSession({
    groupId: 'g1',
    url: 'ws://test/api/v1/calls/g1/ws',
    audio: true,
    video: true,
    getToken: () => token,
    refreshToken,
    createSocket: (url) => {
      const s = new FakeSocket(url);
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
  return { call, sockets, sock, peers: peers.peers, peer, media, refreshToken, setToken: (t: string) => (token = t) };
}

const settle = () => vi.advanceTimersByTimeAsync(1);

/** Opens the socket and answers join like the server: joined, then the first offer. */
async function joinAs(t: ReturnType<typeof setup>, self: Participant, others: Participant[] = [], lines = offer([
  { kind: 'audio', mid: '0', dir: 'recvonly' },
  { kind: 'video', mid: '1', dir: 'recvonly' },
])) {
  t.call.start();
  await settle();
  t.sock().open();
  t.sock().frame({ type: 'joined', participantId: self.participantId, participants: [...others, self], iceServers: [{ urls: ['stun:stun.test:3478'] }] });
  t.sock().frame({ type: 'offer', sdp: lines });
  await settle();
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CallSession: joining and offers', () => {
  it('authenticates, joins with the kinds it has devices for, and answers the first offer with its slots', async () => {
    const t = setup();
    await joinAs(t, me);
    const s = t.sock();
    expect(s.sent.slice(0, 2)).toEqual([
      { type: 'auth', token: 'tok-1' },
      { type: 'join', audio: true, video: true },
    ]);
    expect(t.peer().config.iceServers).toEqual([{ urls: ['stun:stun.test:3478'] }]);
    // The recvonly m-lines are this client's slots: audio → microphone, video → camera, answered sendonly.
    expect(t.peer().answered()).toEqual({ '0': 'sendonly', '1': 'sendonly' });
    expect(t.peer().transceiver('0').sender.track).toBe(t.media.opened[0]?.asTrack);
    expect(t.peer().transceiver('1').sender.track).toBe(t.media.opened[1]?.asTrack);
    expect(s.of('answer')).toHaveLength(1);
    expect(t.call.getSnapshot().phase).toBe('joined');
    expect(t.call.getSnapshot().local.audio.on).toBe(true);
  });

  it('announces only what it could open: no camera means join {video: false} and a notice', async () => {
    const t = setup();
    t.media.fail.camera = new DOMException('no', 'NotFoundError');
    await joinAs(t, { ...me, video: muted }, [], offer([{ kind: 'audio', mid: '0', dir: 'recvonly' }]));
    expect(t.sock().of('join')).toEqual([{ type: 'join', audio: true, video: false }]);
    expect(t.call.getSnapshot().notice?.text).toBe('No camera was found.');
    expect(t.call.getSnapshot().local.video.on).toBe(false);
    expect(t.sock().of('mute')).toEqual([]);
  });

  it('maps forwarded m-lines to participants with the track frames, and follows later offers', async () => {
    const t = setup();
    t.call.start();
    await settle();
    const s = t.sock();
    s.open();
    s.frame({ type: 'joined', participantId: 'p1', participants: [kai, me], iceServers: [] });
    s.frame({ type: 'track', participantId: 'p2', streamId: 'p2', trackId: 'p2.microphone', kind: 'audio', source: 'microphone' });
    s.frame({ type: 'track', participantId: 'p2', streamId: 'p2', trackId: 'p2.camera', kind: 'video', source: 'camera' });
    s.frame({
      type: 'offer',
      sdp: offer([
        { kind: 'audio', mid: '0', dir: 'recvonly' },
        { kind: 'video', mid: '1', dir: 'recvonly' },
        { kind: 'audio', mid: '2', dir: 'sendonly', msid: 'p2 p2.microphone' },
        { kind: 'video', mid: '3', dir: 'sendonly', msid: 'p2 p2.camera' },
      ]),
    });
    await settle();
    const p = t.peer();
    expect(p.answered()).toEqual({ '0': 'sendonly', '1': 'sendonly', '2': 'recvonly', '3': 'recvonly' });
    let snap = t.call.getSnapshot();
    const kaiTile = snap.tiles.find((x) => x.participantId === 'p2');
    expect(kaiTile?.video).toBe(p.transceiver('3').receiver.track);
    expect(kaiTile?.audio).toBe(p.transceiver('2').receiver.track);
    expect(snap.remoteAudio).toEqual([{ participantId: 'p2', track: p.transceiver('2').receiver.track, mutedForMe: false }]);

    // Kai starts a screen share: participant.updated, a track frame, then an offer with one more m-line.
    s.frame({ type: 'participant.updated', participant: { ...kai, screen: true } });
    s.frame({ type: 'track', participantId: 'p2', streamId: 'p2.screen', trackId: 'p2.screen', kind: 'video', source: 'screen' });
    const withScreen = [
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: '1', dir: 'recvonly' },
      { kind: 'audio', mid: '2', dir: 'sendonly', msid: 'p2 p2.microphone' },
      { kind: 'video', mid: '3', dir: 'sendonly', msid: 'p2 p2.camera' },
      { kind: 'video', mid: '4', dir: 'sendonly', msid: 'p2.screen p2.screen' },
    ] as const;
    s.frame({ type: 'offer', sdp: offer(withScreen) });
    await settle();
    snap = t.call.getSnapshot();
    expect(snap.tiles.map((x) => x.key)).toEqual(['p2.screen', 'p2', 'p1']);
    expect(snap.tiles[0]?.video).toBe(p.transceiver('4').receiver.track);
    expect(s.of('answer')).toHaveLength(2);

    // The share ends: its m-line goes inactive; the tile leaves with participant.updated.
    s.frame({ type: 'participant.updated', participant: kai });
    s.frame({ type: 'offer', sdp: offer([...withScreen.slice(0, 4), { kind: 'video', mid: '4', dir: 'inactive' }]) });
    await settle();
    snap = t.call.getSnapshot();
    expect(snap.tiles.map((x) => x.key)).toEqual(['p2', 'p1']);

    // Lee joins; the server reuses the inactive m-line for Lee's camera (new msid): matched to Lee.
    const lee = person('p3', 'lee');
    s.frame({ type: 'participant.joined', participant: lee });
    s.frame({ type: 'track', participantId: 'p3', streamId: 'p3', trackId: 'p3.camera', kind: 'video', source: 'camera' });
    s.frame({ type: 'offer', sdp: offer([...withScreen.slice(0, 4), { kind: 'video', mid: '4', dir: 'sendonly', msid: 'p3 p3.camera' }]) });
    await settle();
    snap = t.call.getSnapshot();
    expect(snap.tiles.find((x) => x.participantId === 'p3')?.video).toBe(p.transceiver('4').receiver.track);
    expect(snap.tiles.find((x) => x.key === 'p2.screen')).toBeUndefined();
  });

  it('matches by msid when no track frame came', async () => {
    const t = setup();
    await joinAs(t, me, [kai]);
    t.sock().frame({
      type: 'offer',
      sdp: offer([
        { kind: 'audio', mid: '0', dir: 'recvonly' },
        { kind: 'video', mid: '1', dir: 'recvonly' },
        { kind: 'video', mid: '2', dir: 'sendonly', msid: 'p2.screen whatever' },
      ]),
    });
    await settle();
    t.sock().frame({ type: 'participant.updated', participant: { ...kai, screen: true } });
    expect(t.call.getSnapshot().tiles.find((x) => x.key === 'p2.screen')?.video).toBe(t.peer().transceiver('2').receiver.track);
  });

  it('queues remote candidates until the first offer is applied, and sends its own only after the answer', async () => {
    const t = setup();
    t.call.start();
    await settle();
    const s = t.sock();
    s.open();
    s.frame({ type: 'joined', participantId: 'p1', participants: [me], iceServers: [] });
    const c1 = { candidate: 'candidate:1 1 udp 1 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u1' };
    s.frame({ type: 'candidate', candidate: c1 });
    s.frame({ type: 'candidate', candidate: null });
    expect(t.peer().added).toEqual([]);
    // A local candidate gathered while the answer is being written waits for it.
    const p = t.peer();
    const origSet = p.setLocalDescription.bind(p);
    p.setLocalDescription = async (d) => {
      await origSet(d);
      p.events.onCandidate({ candidate: 'candidate:9 1 udp 1 10.0.0.2 40000 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    };
    s.frame({ type: 'offer', sdp: offer([{ kind: 'audio', mid: '0', dir: 'recvonly' }, { kind: 'video', mid: '1', dir: 'recvonly' }]) });
    await settle();
    expect(p.added).toEqual([c1]);
    const types = s.types();
    expect(types.indexOf('answer')).toBeLessThan(types.indexOf('candidate'));
    expect(s.of('candidate')[0]?.['candidate']).toMatchObject({ sdpMid: '0' });
    // Later candidates go straight in; end-of-candidates is not sent.
    const c2 = { ...c1, candidate: 'candidate:2 1 udp 1 127.0.0.1 50001 typ host' };
    s.frame({ type: 'candidate', candidate: c2 });
    s.frame({ type: 'candidate', candidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0 } });
    await settle();
    expect(p.added).toEqual([c1, c2]);
    p.events.onCandidate(null);
    expect(s.of('candidate')).toHaveLength(1);
  });

  it('drops malformed frames without changing anything', async () => {
    const t = setup();
    await joinAs(t, me);
    const before = t.call.getSnapshot();
    t.sock().onmessage?.(new MessageEvent('message', { data: 'not json' }));
    t.sock().frame({ type: 'participant.joined', participant: { participantId: 'x' } });
    t.sock().frame({ type: 'offer', sdp: 42 });
    t.sock().frame({ type: 'nonsense' });
    expect(t.call.getSnapshot()).toBe(before);
    expect(t.sock().of('answer')).toHaveLength(1);
  });
});

describe('CallSession: mute for me and moderation frames', () => {
  it('sends subscribe for "mute for me", marks the tile, and re-sends it after a rejoin', async () => {
    const t = setup();
    await joinAs(t, me, [kai]);
    t.call.muteForMe('p2', 'video', true);
    expect(t.sock().of('subscribe')).toEqual([{ type: 'subscribe', participantId: 'p2', kind: 'video', enabled: false }]);
    expect(t.call.getSnapshot().tiles.find((x) => x.participantId === 'p2')?.mutedForMe).toEqual({ audio: false, video: true });
    t.sock().drop(1001);
    await vi.advanceTimersByTimeAsync(1_000);
    t.sock().open();
    t.sock().frame({ type: 'joined', participantId: 'p9', participants: [kai, { ...me, participantId: 'p9' }], iceServers: [] });
    expect(t.sock().of('subscribe')).toEqual([{ type: 'subscribe', participantId: 'p2', kind: 'video', enabled: false }]);
    t.call.muteForMe('p2', 'video', false);
    expect(t.sock().of('subscribe')[1]).toEqual({ type: 'subscribe', participantId: 'p2', kind: 'video', enabled: true });
  });

  it('sends moderate as asked and shows a forbidden error as a notice', async () => {
    const t = setup();
    await joinAs(t, me, [kai]);
    t.call.moderate('p2', 'audio', true);
    expect(t.sock().of('moderate')).toEqual([{ type: 'moderate', participantId: 'p2', kind: 'audio', muted: true }]);
    t.sock().frame({ type: 'error', error: { code: 'forbidden', message: 'You may not mute kai.' } });
    expect(t.call.getSnapshot().notice?.text).toBe('You may not mute kai.');
  });

  it('forgets a participant who left, with their "mute for me"', async () => {
    const t = setup();
    await joinAs(t, me, [kai]);
    t.call.muteForMe('p2', 'audio', true);
    t.sock().frame({ type: 'participant.left', participant: kai });
    expect(t.call.getSnapshot().participants.map((p) => p.participantId)).toEqual(['p1']);
    t.sock().frame({ type: 'participant.joined', participant: kai });
    expect(t.call.getSnapshot().tiles.find((x) => x.participantId === 'p2')?.mutedForMe).toEqual({ audio: false, video: false });
  });
});

describe('CallSession: simulcast, views and the active speaker', () => {
  it('publishes the camera in the three layers the offer asks for, and the screen in one', async () => {
    const t = setup();
    await joinAs(t, me, [], offer([
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: '1', dir: 'recvonly', simulcast: ['q', 'h', 'f'] },
    ]));
    expect(t.peer().transceiver('1').sender.encodings).toEqual([
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 120_000, active: true },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 350_000, active: true },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 900_000, active: true },
    ]);
    expect(t.peer().transceiver('0').sender.encodings).toEqual([{ active: true }]);
    await t.call.startScreenShare();
    t.sock().frame({
      type: 'offer',
      sdp: offer([
        { kind: 'audio', mid: '0', dir: 'recvonly' },
        { kind: 'video', mid: '1', dir: 'recvonly', simulcast: ['q', 'h', 'f'] },
        { kind: 'video', mid: '2', dir: 'recvonly' },
      ]),
    });
    await settle();
    expect(t.peer().transceiver('2').sender.track).not.toBeNull();
    expect(t.peer().transceiver('2').sender.encodings).toEqual([{ active: true }]);
  });

  it('sends coalesced view frames while joined, never for itself, and all of them again after a rejoin', async () => {
    const t = setup();
    await joinAs(t, me, [kai, person('p3', 'lee')]);
    t.call.setView('p2', 640, 360);
    t.call.setView('p2', 1280, 720);
    t.call.setView('p3', 0, 0);
    t.call.setView('p1', 640, 360); // myself: never
    await settle();
    expect(t.sock().of('view')).toEqual([
      { type: 'view', participantId: 'p2', width: 1280, height: 720 },
      { type: 'view', participantId: 'p3', width: 0, height: 0 },
    ]);
    // Lee leaves; the connection drops and comes back: the new SFU session hears Kai's size again, not Lee's.
    t.sock().frame({ type: 'participant.left', participant: person('p3', 'lee') });
    t.sock().drop(1012);
    await vi.advanceTimersByTimeAsync(1_000);
    t.sock().open();
    t.sock().frame({ type: 'joined', participantId: 'p9', participants: [kai, { ...me, participantId: 'p9' }], iceServers: [] });
    await settle();
    expect(t.sock().of('view')).toEqual([{ type: 'view', participantId: 'p2', width: 1280, height: 720 }]);
  });

  it('names the active speaker from speaker frames until another speaks or they leave', async () => {
    const t = setup();
    await joinAs(t, me, [kai]);
    expect(t.call.getSnapshot().speaker).toBeNull();
    t.sock().frame({ type: 'speaker', participantId: 'p2' });
    const snap = t.call.getSnapshot();
    expect(snap.speaker).toBe('p2');
    t.sock().frame({ type: 'speaker', participantId: 'p2' });
    expect(t.call.getSnapshot()).toBe(snap); // no change, no new snapshot
    t.sock().frame({ type: 'speaker' }); // malformed: dropped
    expect(t.call.getSnapshot().speaker).toBe('p2');
    t.sock().frame({ type: 'participant.left', participant: kai });
    expect(t.call.getSnapshot().speaker).toBeNull();
  });
});
