/**
 * The mute state machine (publisher.ts) through the session: own mutes,
 * moderator mutes and their lifting, slots added later, screen sharing and
 * device switching.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeMedia, FakeSocket, fake, offer, peerFactory, type FakePeer } from '../../test/fakeRtc';
import type { Participant } from './frames';
import { CallSession } from './session';

const on = { muted: false, mutedBy: null };
const off = { muted: true, mutedBy: null };
const byKai = { muted: true, mutedBy: 'p2' };

const me = (over: Partial<Participant> = {}): Participant => ({
  participantId: 'p1', userId: 'u1', username: 'maya', audio: on, video: on, screen: false, ...over,
});
const kai: Participant = { participantId: 'p2', userId: 'u2', username: 'kai', audio: on, video: on, screen: false };

const settle = () => vi.advanceTimersByTimeAsync(1);

async function joined(opts: { audio: boolean; video: boolean }, self: Participant, lines = offer([
  ...(opts.audio ? [{ kind: 'audio' as const, mid: '0', dir: 'recvonly' as const }] : []),
  ...(opts.video ? [{ kind: 'video' as const, mid: '1', dir: 'recvonly' as const }] : []),
])) {
  const sockets: FakeSocket[] = [];
  const peers = peerFactory();
  const media = new FakeMedia();
  const call = new CallSession({
    groupId: 'g1',
    url: 'ws://t',
    ...opts,
    getToken: () => 'tok',
    refreshToken: () => Promise.resolve('tok'),
    createSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    createPeer: peers.create,
    media,
  });
  call.start();
  await settle();
  const s = sockets[0] as FakeSocket;
  s.open();
  s.frame({ type: 'joined', participantId: 'p1', participants: [kai, self], iceServers: [] });
  s.frame({ type: 'offer', sdp: lines });
  await settle();
  const peer = peers.peers[0] as FakePeer;
  return { call, s, peer, media, update: (p: Participant) => s.frame({ type: 'participant.updated', participant: p }) };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('own mute', () => {
  it('mutes the microphone by disabling it, sends mute once, and unmutes', async () => {
    const t = await joined({ audio: true, video: false }, me({ video: off }));
    const mic = fake(t.call.getSnapshot().tiles.find((x) => x.self)?.audio) ?? fake(t.peer.transceiver('0').sender.track);
    expect(mic?.enabled).toBe(true);
    t.call.setMicrophone(false);
    await settle();
    expect(mic?.enabled).toBe(false);
    expect(t.s.of('mute')).toEqual([{ type: 'mute', kind: 'audio', muted: true }]);
    expect(t.call.getSnapshot().local.audio.on).toBe(false);
    // The track stays on its slot (silence), so unmuting needs no renegotiation.
    expect(t.peer.transceiver('0').sender.track).toBe(mic?.asTrack);
    t.update(me({ audio: off, video: off }));
    await settle();
    expect(t.s.of('mute')).toHaveLength(1);
    t.call.setMicrophone(true);
    await settle();
    expect(mic?.enabled).toBe(true);
    expect(t.s.of('mute')[1]).toEqual({ type: 'mute', kind: 'audio', muted: false });
  });

  it('stops the camera when it is turned off and opens a new one when turned on', async () => {
    const t = await joined({ audio: true, video: true }, me());
    const cam = fake(t.peer.transceiver('1').sender.track);
    t.call.setCamera(false);
    await settle();
    expect(cam?.readyState).toBe('ended');
    expect(t.peer.transceiver('1').sender.track).toBeNull();
    expect(t.s.of('mute')).toEqual([{ type: 'mute', kind: 'video', muted: true }]);
    expect(t.call.getSnapshot().tiles.find((x) => x.self)?.video).toBeNull();
    t.update(me({ video: off }));
    t.call.setCamera(true);
    await settle();
    const cam2 = fake(t.peer.transceiver('1').sender.track);
    expect(cam2).not.toBeNull();
    expect(cam2).not.toBe(cam);
    expect(cam2?.readyState).toBe('live');
    expect(t.s.of('mute')[1]).toEqual({ type: 'mute', kind: 'video', muted: false });
    expect(t.s.of('renegotiate')).toEqual([]);
  });

  it('adds a camera slot when joined audio-only: renegotiate {video: true}, then attach, then unmute', async () => {
    const t = await joined({ audio: true, video: false }, me({ video: off }));
    t.call.setCamera(true);
    await settle();
    expect(t.s.of('renegotiate')).toEqual([{ type: 'renegotiate', video: true }]);
    expect(t.s.of('mute')).toEqual([]);
    // A second click while the slot is pending asks for nothing more.
    t.call.setCamera(true);
    await settle();
    expect(t.s.of('renegotiate')).toHaveLength(1);
    t.s.frame({
      type: 'offer',
      sdp: offer([
        { kind: 'audio', mid: '0', dir: 'recvonly' },
        { kind: 'video', mid: '3', dir: 'sendonly', msid: 'p2 p2.camera' },
        { kind: 'video', mid: '4', dir: 'recvonly' },
      ]),
    });
    await settle();
    expect(t.peer.answered()).toEqual({ '0': 'sendonly', '3': 'recvonly', '4': 'sendonly' });
    expect(fake(t.peer.transceiver('4').sender.track)?.kind).toBe('video');
    expect(t.s.of('mute')).toEqual([{ type: 'mute', kind: 'video', muted: false }]);
  });

  it('gives up the intent with a notice when the device cannot be opened', async () => {
    const t = await joined({ audio: true, video: false }, me({ video: off }));
    t.media.fail.camera = new DOMException('denied', 'NotAllowedError');
    t.call.setCamera(true);
    await settle();
    expect(t.call.getSnapshot().notice?.text).toBe('The browser did not allow the camera.');
    expect(t.call.getSnapshot().local.video.on).toBe(false);
    expect(t.s.of('renegotiate')).toEqual([]);
  });
});

describe('moderator mute', () => {
  it('silences the microphone, refuses to unmute, and restores the intent when lifted', async () => {
    const t = await joined({ audio: true, video: true }, me());
    const mic = fake(t.peer.transceiver('0').sender.track);
    t.s.frame({ type: 'moderated', kind: 'audio', muted: true, by: 'p2' });
    t.update(me({ audio: byKai }));
    await settle();
    expect(mic?.enabled).toBe(false);
    const snap = t.call.getSnapshot();
    expect(snap.local.audio).toEqual({ on: false, moderatedBy: 'kai' });
    expect(snap.notice).toBeNull(); // the controls explain a mute for as long as it holds
    expect(t.call.setMicrophone(true)).toBe(false);
    await settle();
    expect(t.s.of('mute')).toEqual([]);
    // Lifted: the server unmutes; the user had the microphone on, so it comes back on.
    t.s.frame({ type: 'moderated', kind: 'audio', muted: false, by: 'p2' });
    t.update(me());
    await settle();
    expect(mic?.enabled).toBe(true);
    expect(t.call.getSnapshot().local.audio).toEqual({ on: true, moderatedBy: null });
    expect(t.call.getSnapshot().notice?.text).toBe('kai lifted the mute on your microphone.');
    expect(t.s.of('mute')).toEqual([]);
  });

  it('keeps a self-muted camera off when a moderator lifts a mute (never turns a camera on by itself)', async () => {
    const t = await joined({ audio: true, video: true }, me());
    t.call.setCamera(false);
    await settle();
    t.update(me({ video: off }));
    t.update(me({ video: byKai }));
    await settle();
    t.update(me({ video: on })); // lifted: the server unmuted the track
    await settle();
    expect(t.peer.transceiver('1').sender.track).toBeNull();
    expect(t.s.of('mute')).toEqual([
      { type: 'mute', kind: 'video', muted: true },
      { type: 'mute', kind: 'video', muted: true },
    ]);
    expect(t.call.getSnapshot().local.video.on).toBe(false);
  });

  it('stops the camera and the screen share while the video is moderated', async () => {
    const t = await joined({ audio: true, video: true }, me());
    await t.call.startScreenShare();
    const cam = fake(t.peer.transceiver('1').sender.track);
    const screen = fake(t.media.opened[t.media.opened.length - 1]?.asTrack);
    t.update(me({ video: byKai }));
    await settle();
    expect(cam?.readyState).toBe('ended');
    expect(screen?.readyState).toBe('ended');
    expect(t.call.getSnapshot().local.screen).toBe(false);
    expect(t.call.getSnapshot().notice?.text).toBe('Your screen share stopped: a moderator turned off your video.');
    expect(t.call.setCamera(true)).toBe(false);
    await t.call.startScreenShare();
    expect(t.call.getSnapshot().local.screen).toBe(false);
  });
});

describe('screen share', () => {
  it('asks for a screen slot, sends the screen on it, and stops with renegotiate {screen: false}', async () => {
    const t = await joined({ audio: true, video: true }, me());
    await t.call.startScreenShare();
    await settle();
    expect(t.s.of('renegotiate')).toEqual([{ type: 'renegotiate', screen: true }]);
    const screenTrack = t.media.opened[t.media.opened.length - 1];
    t.update(me({ screen: true }));
    t.s.frame({
      type: 'offer',
      sdp: offer([
        { kind: 'audio', mid: '0', dir: 'recvonly' },
        { kind: 'video', mid: '1', dir: 'recvonly' },
        { kind: 'video', mid: '2', dir: 'recvonly' },
      ]),
    });
    await settle();
    expect(t.peer.transceiver('2').sender.track).toBe(screenTrack?.asTrack);
    expect(t.peer.answered()['2']).toBe('sendonly');
    expect(t.call.getSnapshot().tiles.map((x) => x.key)).toEqual(['p1.screen', 'p2', 'p1']);
    // The browser's own "Stop sharing" ends the track.
    screenTrack?.end();
    await settle();
    expect(t.s.of('renegotiate')[1]).toEqual({ type: 'renegotiate', screen: false });
    expect(t.peer.transceiver('2').sender.track).toBeNull();
    // Sharing again reuses the slot: no new m-line is expected.
    await t.call.startScreenShare();
    await settle();
    expect(t.s.of('renegotiate')[2]).toEqual({ type: 'renegotiate', screen: true });
    expect(t.peer.transceiver('2').sender.track).toBe(t.media.opened[t.media.opened.length - 1]?.asTrack);
  });

  it('waits for a pending camera slot before asking for the screen slot, so that the two can be told apart', async () => {
    const t = await joined({ audio: true, video: false }, me({ video: off }));
    t.call.setCamera(true);
    await settle();
    await t.call.startScreenShare();
    await settle();
    expect(t.s.of('renegotiate')).toEqual([{ type: 'renegotiate', video: true }]);
    t.s.frame({ type: 'offer', sdp: offer([{ kind: 'audio', mid: '0', dir: 'recvonly' }, { kind: 'video', mid: '1', dir: 'recvonly' }]) });
    await settle();
    expect(t.s.of('renegotiate')).toEqual([{ type: 'renegotiate', video: true }, { type: 'renegotiate', screen: true }]);
    t.s.frame({
      type: 'offer',
      sdp: offer([
        { kind: 'audio', mid: '0', dir: 'recvonly' },
        { kind: 'video', mid: '1', dir: 'recvonly' },
        { kind: 'video', mid: '2', dir: 'recvonly' },
      ]),
    });
    await settle();
    expect(fake(t.peer.transceiver('1').sender.track)?.label).toBe('video');
    expect(fake(t.peer.transceiver('2').sender.track)?.label).toBe('screen');
  });

  it('says so when the user cancels the picker', async () => {
    const t = await joined({ audio: true, video: true }, me());
    t.media.fail.screen = new DOMException('cancelled', 'NotAllowedError');
    await t.call.startScreenShare();
    expect(t.call.getSnapshot().notice?.text).toBe('Screen sharing was cancelled or is not allowed.');
    expect(t.s.of('renegotiate')).toEqual([]);
  });
});

describe('devices', () => {
  it('switches the microphone with replaceTrack, keeping its mute, and stops the old one', async () => {
    const t = await joined({ audio: true, video: true }, me());
    const old = fake(t.peer.transceiver('0').sender.track);
    t.call.setMicrophone(false);
    await settle();
    await t.call.chooseDevice('audio', 'usb-mic');
    const now = fake(t.peer.transceiver('0').sender.track);
    expect(now?.label).toBe('usb-mic');
    expect(now?.enabled).toBe(false);
    expect(old?.readyState).toBe('ended');
    expect(t.s.of('renegotiate')).toEqual([]);
    expect(t.call.getSnapshot().local.devices).toEqual({ audio: 'usb-mic' });
  });

  it('remembers the camera for later when the camera is off', async () => {
    const t = await joined({ audio: true, video: true }, me());
    t.call.setCamera(false);
    await settle();
    await t.call.chooseDevice('video', 'front');
    expect(t.media.devicesAsked.filter((d) => d === 'front')).toEqual([]);
    t.call.setCamera(true);
    await settle();
    expect(fake(t.peer.transceiver('1').sender.track)?.label).toBe('front');
  });

  it('reopens a microphone that went away while it is wanted', async () => {
    const t = await joined({ audio: true, video: true }, me());
    const mic = fake(t.peer.transceiver('0').sender.track);
    mic?.end();
    await settle();
    const again = fake(t.peer.transceiver('0').sender.track);
    expect(again).not.toBe(mic);
    expect(again?.readyState).toBe('live');
  });
});
