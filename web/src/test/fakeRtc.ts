/**
 * Fakes for the call's unit tests: a WebSocket, an RTCPeerConnection that
 * applies offers and writes answers the way a browser does (transceivers
 * per mid, answer directions from both sides), media tracks and devices,
 * and a writer of server offers. jsdom has none of the WebRTC classes, so
 * the fakes stand in for them through the small interfaces of peer.ts.
 */
import type { SocketLike } from '../features/chat/connection';
import type { MediaSource, PeerEvents, PeerFactory, PeerLike, TransceiverLike } from '../features/call/peer';
import { mediaSections, type Direction } from '../features/call/sdp';

export class FakeSocket implements SocketLike {
  readyState = 0;
  readonly sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  frame(f: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(f) }));
  }
  /** The server closes the socket. */
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
  /** The frames sent, of one type. */
  of(type: string): Record<string, unknown>[] {
    return this.sent.filter((f) => f['type'] === type);
  }
  types(): string[] {
    return this.sent.map((f) => String(f['type']));
  }
}

let trackSeq = 0;

export class FakeTrack extends EventTarget {
  readonly id = `track-${++trackSeq}`;
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  constructor(
    readonly kind: 'audio' | 'video',
    readonly label: string = kind,
  ) {
    super();
  }
  stop(): void {
    this.readyState = 'ended';
  }
  /** The device went away: the browser ends the track and fires `ended`. */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }
  get asTrack(): MediaStreamTrack {
    return this as unknown as MediaStreamTrack;
  }
}

export const fake = (t: MediaStreamTrack | null | undefined): FakeTrack | null => (t ? (t as unknown as FakeTrack) : null);

export class FakeTransceiver implements TransceiverLike {
  direction: RTCRtpTransceiverDirection = 'recvonly';
  readonly sender: {
    track: MediaStreamTrack | null;
    /** The send encodings, as a browser keeps them: one per rid when the offer asked for simulcast. */
    encodings: RTCRtpEncodingParameters[];
    replaceTrack(t: MediaStreamTrack | null): Promise<void>;
    getParameters(): RTCRtpSendParameters;
    setParameters(p: RTCRtpSendParameters): Promise<void>;
  };
  readonly receiver: { track: MediaStreamTrack };
  constructor(
    readonly mid: string,
    readonly kind: 'audio' | 'video',
    rids: readonly string[] = [],
  ) {
    const sender = {
      track: null as MediaStreamTrack | null,
      encodings: (rids.length > 0 ? rids.map((rid) => ({ rid, active: true })) : [{ active: true }]) as RTCRtpEncodingParameters[],
      replaceTrack(t: MediaStreamTrack | null): Promise<void> {
        sender.track = t;
        return Promise.resolve();
      },
      getParameters(): RTCRtpSendParameters {
        return { transactionId: 'tx', encodings: sender.encodings.map((e) => ({ ...e })), codecs: [], headerExtensions: [], rtcp: {} };
      },
      setParameters(p: RTCRtpSendParameters): Promise<void> {
        // Like a browser: the rids and their number cannot change.
        if (p.encodings.length !== sender.encodings.length || p.encodings.some((e, i) => e.rid !== sender.encodings[i]?.rid)) {
          return Promise.reject(new DOMException('encodings changed', 'InvalidModificationError'));
        }
        sender.encodings = p.encodings.map((e) => ({ ...e }));
        return Promise.resolve();
      },
    };
    this.sender = sender;
    this.receiver = { track: new FakeTrack(kind).asTrack };
  }
}

const flip: Readonly<Record<Direction, Direction>> = { sendonly: 'recvonly', recvonly: 'sendonly', sendrecv: 'sendrecv', inactive: 'inactive' };

function answerDirection(local: RTCRtpTransceiverDirection, remote: Direction): Direction {
  const sends = (local === 'sendonly' || local === 'sendrecv') && (remote === 'recvonly' || remote === 'sendrecv');
  const receives = (local === 'recvonly' || local === 'sendrecv') && (remote === 'sendonly' || remote === 'sendrecv');
  return sends && receives ? 'sendrecv' : sends ? 'sendonly' : receives ? 'recvonly' : 'inactive';
}

export class FakePeer implements PeerLike {
  readonly transceivers: FakeTransceiver[] = [];
  readonly added: RTCIceCandidateInit[] = [];
  remote: string | null = null;
  local: string | null = null;
  iceConnectionState: RTCIceConnectionState = 'new';
  closed = false;
  constructor(
    readonly config: RTCConfiguration,
    readonly events: PeerEvents,
  ) {}
  setRemoteDescription(d: RTCSessionDescriptionInit): Promise<void> {
    if (d.type !== 'offer' || !d.sdp || !d.sdp.startsWith('v=0')) return Promise.reject(new DOMException('bad sdp', 'OperationError'));
    this.remote = d.sdp;
    for (const s of mediaSections(d.sdp)) {
      if (s.mid !== null && !this.transceivers.some((t) => t.mid === s.mid)) {
        this.transceivers.push(new FakeTransceiver(s.mid, s.kind === 'audio' ? 'audio' : 'video', s.simulcastRecv));
      }
    }
    return Promise.resolve();
  }
  createAnswer(): Promise<RTCSessionDescriptionInit> {
    const lines = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0'];
    for (const s of mediaSections(this.remote ?? '')) {
      const t = this.transceivers.find((x) => x.mid === s.mid);
      lines.push(`m=${s.kind} 9 UDP/TLS/RTP/SAVPF 96`, `a=mid:${s.mid ?? ''}`, `a=${t ? answerDirection(t.direction, s.direction) : 'inactive'}`);
      if (t?.sender.track) lines.push(`a=msid:local ${t.sender.track.id}`);
    }
    return Promise.resolve({ type: 'answer', sdp: lines.join('\r\n') + '\r\n' });
  }
  setLocalDescription(d: RTCSessionDescriptionInit): Promise<void> {
    this.local = d.sdp ?? null;
    return Promise.resolve();
  }
  addIceCandidate(c: RTCIceCandidateInit): Promise<void> {
    if (!this.remote) return Promise.reject(new DOMException('no remote description', 'InvalidStateError'));
    this.added.push(c);
    return Promise.resolve();
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  close(): void {
    this.closed = true;
  }
  /** The browser's ICE state changes. */
  ice(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.events.onIceState(state);
  }
  /** The directions of the last answer, by mid. */
  answered(): Record<string, Direction> {
    return Object.fromEntries(mediaSections(this.local ?? '').map((s) => [s.mid ?? '', s.direction]));
  }
  transceiver(mid: string): FakeTransceiver {
    const t = this.transceivers.find((x) => x.mid === mid);
    if (!t) throw new Error(`no transceiver ${mid}`);
    return t;
  }
}

/** Records every peer it makes. */
export function peerFactory(): { create: PeerFactory; peers: FakePeer[] } {
  const peers: FakePeer[] = [];
  return {
    peers,
    create: (config, events) => {
      const p = new FakePeer(config, events);
      peers.push(p);
      return p;
    },
  };
}

export class FakeMedia implements MediaSource {
  readonly opened: FakeTrack[] = [];
  fail: { microphone?: DOMException; camera?: DOMException; screen?: DOMException } = {};
  readonly devicesAsked: (string | undefined)[] = [];
  microphone(deviceId?: string): Promise<MediaStreamTrack> {
    return this.open('audio', this.fail.microphone, deviceId);
  }
  camera(deviceId?: string): Promise<MediaStreamTrack> {
    return this.open('video', this.fail.camera, deviceId);
  }
  screen(): Promise<MediaStreamTrack> {
    return this.open('video', this.fail.screen, 'screen');
  }
  private open(kind: 'audio' | 'video', err: DOMException | undefined, deviceId: string | undefined): Promise<MediaStreamTrack> {
    this.devicesAsked.push(deviceId);
    if (err) return Promise.reject(err);
    const t = new FakeTrack(kind, deviceId ?? kind);
    this.opened.push(t);
    return Promise.resolve(t.asTrack);
  }
}

export interface OfferLine {
  kind: 'audio' | 'video';
  mid: string;
  dir: Direction;
  /** `<streamId> <trackId>` */
  msid?: string;
  /** Receive simulcast with these rids (`a=rid:x recv`, `a=simulcast:recv …`), as the SFU asks of the camera. */
  simulcast?: readonly string[];
}

/** An offer as the SFU writes it (its side's directions). */
export function offer(lines: readonly OfferLine[], ufrag = 'u1'): string {
  const out = ['v=0', 'o=- 42 2 IN IP4 127.0.0.1', 's=-', 't=0 0', `a=group:BUNDLE ${lines.map((l) => l.mid).join(' ')}`];
  for (const l of lines) {
    out.push(`m=${l.kind} 9 UDP/TLS/RTP/SAVPF ${l.kind === 'audio' ? 111 : 96}`, 'c=IN IP4 0.0.0.0', `a=ice-ufrag:${ufrag}`, `a=mid:${l.mid}`, `a=${l.dir}`);
    if (l.msid) out.push(`a=msid:${l.msid}`);
    if (l.simulcast) out.push(...l.simulcast.map((r) => `a=rid:${r} recv`), `a=simulcast:recv ${l.simulcast.join(';')}`);
  }
  return out.join('\r\n') + '\r\n';
}

/** The answer direction the client should give to an offered direction when it sends. */
export const answering = (d: Direction): Direction => flip[d];
