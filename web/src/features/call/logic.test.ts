/** The pure pieces of the call: frames, SDP, slots, tiles, levels. */
import { describe, expect, it } from 'vitest';
import { FakeTrack, offer } from '../../test/fakeRtc';
import { parseCallFrame, type Participant, type TrackFrame } from './frames';
import { rms, SpeakingDetector } from './levels';
import { browserMedia, mediaErrorText } from './peer';
import { mediaSections } from './sdp';
import { forwardedTracks, identify, Slots, trackKey } from './slots';
import { buildTiles, muteLabel } from './tiles';

const on = { muted: false, mutedBy: null };
const p = (id: string, over: Partial<Participant> = {}): Participant => ({
  participantId: id, userId: `u-${id}`, username: id, audio: on, video: on, screen: false, ...over,
});

describe('parseCallFrame', () => {
  it('reads well-formed frames and fills the optional parts', () => {
    expect(parseCallFrame(JSON.stringify({ type: 'joined', participantId: 'p1', participants: [p('p1')] }))).toEqual({
      type: 'joined', participantId: 'p1', participants: [p('p1')], iceServers: [],
    });
    expect(parseCallFrame('{"type":"candidate"}')).toEqual({ type: 'candidate', candidate: null });
    expect(parseCallFrame('{"type":"error","error":{"code":"forbidden"}}')).toEqual({ type: 'error', error: { code: 'forbidden', message: '' } });
    expect(parseCallFrame('{"type":"moderated","kind":"audio","muted":true,"by":"p2","extra":1}')).toMatchObject({ type: 'moderated', by: 'p2' });
  });

  it.each([
    ['not text', 42],
    ['not JSON', '{'],
    ['an array', '[]'],
    ['no type', '{}'],
    ['an unknown type', '{"type":"surprise"}'],
    ['an offer without sdp', '{"type":"offer"}'],
    ['a track of an unknown kind', '{"type":"track","participantId":"a","streamId":"a","trackId":"a.x","kind":"data","source":"camera"}'],
    ['a track of an unknown source', '{"type":"track","participantId":"a","streamId":"a","trackId":"a.x","kind":"video","source":"window"}'],
    ['a participant without states', '{"type":"participant.joined","participant":{"participantId":"a","userId":"u","username":"n"}}'],
    ['joined with a bad participant', '{"type":"joined","participantId":"a","participants":[{"participantId":1}]}'],
    ['bad ice servers', '{"type":"joined","participantId":"a","participants":[],"iceServers":[{"urls":5}]}'],
    ['moderated without by', '{"type":"moderated","kind":"audio","muted":true}'],
  ])('drops %s', (_name, data) => {
    expect(parseCallFrame(data)).toBeNull();
  });
});

describe('mediaSections', () => {
  it('reads kind, mid, direction, msid and rejection per m-line', () => {
    const sdp = offer([
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: 'v1', dir: 'sendonly', msid: 'p2 p2.camera' },
      { kind: 'video', mid: '2', dir: 'inactive' },
    ]).replace('m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:u1\r\na=mid:2', 'm=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:u1\r\na=mid:2');
    expect(mediaSections(sdp)).toEqual([
      { index: 0, kind: 'audio', mid: '0', direction: 'recvonly', rejected: false, msid: null, simulcastRecv: [] },
      { index: 1, kind: 'video', mid: 'v1', direction: 'sendonly', rejected: false, msid: { streamId: 'p2', trackId: 'p2.camera' }, simulcastRecv: [] },
      { index: 2, kind: 'video', mid: '2', direction: 'inactive', rejected: true, msid: null, simulcastRecv: [] },
    ]);
  });

  it('falls back to a session-level direction and to ssrc msid lines; ignores "-" streams', () => {
    const sdp = ['v=0', 'a=sendonly', 'm=audio 9 RTP/SAVPF 111', 'a=mid:a', 'a=ssrc:1234 msid:p9 p9.microphone', 'm=video 9 RTP/SAVPF 96', 'a=mid:b', 'a=msid:- t', 'a=recvonly', ''].join('\n');
    expect(mediaSections(sdp)).toEqual([
      { index: 0, kind: 'audio', mid: 'a', direction: 'sendonly', rejected: false, msid: { streamId: 'p9', trackId: 'p9.microphone' }, simulcastRecv: [] },
      { index: 1, kind: 'video', mid: 'b', direction: 'recvonly', rejected: false, msid: null, simulcastRecv: [] },
    ]);
    expect(mediaSections('garbage')).toEqual([]);
  });

  it('reads the rids of receive simulcast (the camera slot), lowest first, ignoring alternatives and pauses', () => {
    const sdp = offer([
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: '1', dir: 'recvonly', simulcast: ['q', 'h', 'f'] },
    ]);
    expect(mediaSections(sdp).map((s) => s.simulcastRecv)).toEqual([[], ['q', 'h', 'f']]);
    const odd = ['v=0', 'm=video 9 RTP/SAVPF 96', 'a=mid:0', 'a=simulcast:send x recv ~a;b,c', ''].join('\r\n');
    expect(mediaSections(odd)[0]?.simulcastRecv).toEqual(['a', 'b']);
  });
});

describe('Slots', () => {
  const sections = (lines: Parameters<typeof offer>[0]) => mediaSections(offer(lines));

  it('gives new recvonly m-lines to the oldest request of their kind, once', () => {
    const s = new Slots();
    s.expect('microphone');
    s.expect('camera');
    s.expect('camera'); // no duplicate
    expect(s.apply(sections([
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: '1', dir: 'recvonly' },
      { kind: 'video', mid: '2', dir: 'sendonly', msid: 'x x.camera' },
    ]))).toEqual(['microphone', 'camera']);
    expect([s.mid('microphone'), s.mid('camera')]).toEqual(['0', '1']);
    expect(s.awaitingKind('video')).toBe(false);
    // The same offer again assigns nothing new; an unexpected recvonly line stays unassigned.
    expect(s.apply(sections([
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: '1', dir: 'recvonly' },
      { kind: 'video', mid: '9', dir: 'recvonly' },
    ]))).toEqual([]);
    expect(s.isSlot('9')).toBe(false);
    s.expect('screen');
    expect(s.awaitingKind('video')).toBe(true);
    expect(s.apply(sections([{ kind: 'video', mid: '1', dir: 'recvonly' }, { kind: 'video', mid: '9', dir: 'recvonly' }]))).toEqual(['screen']);
    expect(s.mid('screen')).toBe('9');
  });

  it('wakes whoever waits for a slot', async () => {
    const s = new Slots();
    s.expect('screen');
    let woke = false;
    const w = s.whenOffered('screen').then(() => (woke = true));
    s.apply(sections([{ kind: 'audio', mid: '0', dir: 'recvonly' }]));
    await Promise.resolve();
    expect(woke).toBe(false);
    s.apply(sections([{ kind: 'video', mid: '3', dir: 'recvonly' }]));
    await w;
    expect(woke).toBe(true);
  });

  it('names forwarded tracks by track frame, else by the msid rule', () => {
    const frames = new Map<string, TrackFrame>([
      [trackKey('s1', 'video'), { type: 'track', participantId: 'p5', streamId: 's1', trackId: 't', kind: 'video', source: 'screen' }],
    ]);
    expect(identify('s1', 'video', frames)).toEqual({ participantId: 'p5', source: 'screen' });
    expect(identify('p2', 'audio', frames)).toEqual({ participantId: 'p2', source: 'microphone' });
    expect(identify('p2', 'video', frames)).toEqual({ participantId: 'p2', source: 'camera' });
    expect(identify('p2.screen', 'video', frames)).toEqual({ participantId: 'p2', source: 'screen' });
    const slots = new Slots();
    slots.expect('microphone');
    const secs = sections([
      { kind: 'audio', mid: '0', dir: 'recvonly' },
      { kind: 'video', mid: '1', dir: 'sendonly', msid: 's1 t' },
      { kind: 'audio', mid: '2', dir: 'inactive', msid: 'p3 p3.microphone' },
      { kind: 'video', mid: '3', dir: 'inactive' },
    ]);
    slots.apply(secs);
    expect(forwardedTracks(secs, slots, frames)).toEqual([
      { mid: '1', kind: 'video', participantId: 'p5', source: 'screen', streamId: 's1', active: true },
      { mid: '2', kind: 'audio', participantId: 'p3', source: 'microphone', streamId: 'p3', active: false },
    ]);
  });
});

describe('buildTiles', () => {
  const cam = new FakeTrack('video').asTrack;
  const mic = new FakeTrack('audio').asTrack;
  const scr = new FakeTrack('video').asTrack;
  const myCam = new FakeTrack('video').asTrack;
  const myMic = new FakeTrack('audio').asTrack;

  it('shows video only when it flows and is not muted, for me, or by a moderator', () => {
    const base = {
      selfId: 'me',
      remote: new Map([['a', { camera: cam, microphone: mic, screen: scr }]]),
      local: { microphone: myMic, camera: myCam, screen: null },
      mutedForMe: new Map(),
    };
    let tiles = buildTiles({ ...base, participants: [p('a', { screen: true }), p('me')] });
    expect(tiles.map((t) => [t.key, t.source, t.self, t.video, t.audio])).toEqual([
      ['a.screen', 'screen', false, scr, null],
      ['a', 'camera', false, cam, mic],
      ['me', 'camera', true, myCam, myMic],
    ]);
    tiles = buildTiles({ ...base, participants: [p('a', { screen: true, video: { muted: true, mutedBy: 'me' } }), p('me')] });
    expect(tiles.map((t) => t.video)).toEqual([null, null, myCam]);
    tiles = buildTiles({ ...base, participants: [p('a', { screen: true })], mutedForMe: new Map([['a', { audio: true, video: true }]]) });
    expect(tiles.map((t) => [t.video, t.audio, t.mutedForMe])).toEqual([
      [null, null, { audio: true, video: true }],
      [null, null, { audio: true, video: true }],
    ]);
    // Self-muted audio: no level meter for a silent track.
    tiles = buildTiles({ ...base, participants: [p('a', { audio: { muted: true, mutedBy: null } })] });
    expect(tiles[0]?.audio).toBeNull();
  });

  it('shows my own screen share as soon as I have it', () => {
    const tiles = buildTiles({
      selfId: 'me',
      participants: [p('me')],
      remote: new Map(),
      local: { microphone: null, camera: null, screen: scr },
      mutedForMe: new Map(),
    });
    expect(tiles.map((t) => [t.key, t.video])).toEqual([['me.screen', scr], ['me', null]]);
  });

  it('labels mutes: own, by a moderator (named, me, or gone)', () => {
    const people = [p('me'), p('kai'), p('lee')];
    expect(muteLabel('audio', { muted: false, mutedBy: null }, people, 'me')).toBeNull();
    expect(muteLabel('audio', { muted: true, mutedBy: null }, people, 'me')).toBe('Microphone off');
    expect(muteLabel('video', { muted: true, mutedBy: null }, people, 'me')).toBe('Camera off');
    expect(muteLabel('audio', { muted: true, mutedBy: 'kai' }, people, 'me')).toBe('Muted by kai');
    expect(muteLabel('audio', { muted: true, mutedBy: 'me' }, people, 'me')).toBe('Muted by you');
    expect(muteLabel('video', { muted: true, mutedBy: 'zed' }, people, 'me')).toBe('Muted by a moderator');
  });
});

describe('speaking', () => {
  it('measures RMS', () => {
    expect(rms([])).toBe(0);
    expect(rms([0, 0, 0])).toBe(0);
    expect(rms([0.5, -0.5])).toBeCloseTo(0.5);
  });

  it('turns on at once and off only after the hold time', () => {
    const d = new SpeakingDetector({ threshold: 0.05, holdMs: 600 });
    expect(d.sample(0.01, 0)).toBe(false);
    expect(d.sample(0.2, 100)).toBe(true);
    expect(d.sample(0.0, 200)).toBe(true);
    expect(d.sample(0.0, 650)).toBe(true);
    expect(d.sample(0.3, 700)).toBe(true);
    expect(d.sample(0.0, 1_299)).toBe(true);
    expect(d.sample(0.0, 1_300)).toBe(false);
  });
});

describe('devices on a plain-HTTP origin', () => {
  it('says that the camera, microphone and screen need HTTPS, where the browser has no media devices', async () => {
    expect((navigator as { mediaDevices?: unknown }).mediaDevices).toBeUndefined(); // as on such an origin
    for (const [open, what] of [
      [() => browserMedia.microphone(), 'microphone'],
      [() => browserMedia.camera(), 'camera'],
      [() => browserMedia.screen(), 'screen'],
    ] as const) {
      const err: unknown = await open().then(
        () => null,
        (e: unknown) => e,
      );
      expect(mediaErrorText(err, what)).toBe(
        `The ${what} needs a secure connection: open Parley over HTTPS (browsers give cameras, microphones and screens only to secure pages).`,
      );
    }
    expect(mediaErrorText(new DOMException('no', 'NotAllowedError'), 'camera')).toBe('The browser did not allow the camera.');
  });
});
