/**
 * One call of this client (API.md "Call signalling WebSocket",
 * api/websocket.md): the signalling socket, the peer connection and what
 * the call screen shows, as immutable snapshots (`subscribe` /
 * `getSnapshot`, for useSyncExternalStore). No React in here.
 *
 * - Connection: `auth` then `join` on open; `joined` creates the peer
 *   connection with the given ICE servers. `auth` is sent again whenever the
 *   session's token changes; a client `ping` every 25 s must be answered
 *   before the next one.
 * - Offers are applied one at a time (the server never has two
 *   outstanding): set the remote description, read the m-lines (slots.ts),
 *   attach this client's tracks to its slots, answer. ICE candidates that
 *   arrive before the first description are queued; local candidates wait
 *   until the answer has been sent.
 * - Layers and speaker: the call view reports the size of each remote
 *   camera tile (`setView`), sent as coalesced `view` frames (views.ts);
 *   the server's `speaker` frames name the active speaker (`speaker` in
 *   the snapshot) until another one speaks or they leave.
 * - Reconnects: ICE `failed` (or `disconnected` for a few seconds) sends
 *   `renegotiate {iceRestart: true}`; if ICE does not recover in time the
 *   call is rejoined on a new socket. A socket closed by the server with
 *   1001/1012/1013 (or dropped) is rejoined with capped exponential backoff;
 *   4001 refreshes the token first; 4004 ends the call ("no longer a
 *   member"), 4009 ends it ("the call is full"). The user's intent (mic,
 *   camera, screen, "mute for me") carries over to the new connection.
 */
import { backoffDelay } from '../chat/backoff';
import type { SocketLike } from '../chat/connection';
import { parseCallFrame, type CallClientFrame, type CallServerFrame, type MediaKind, type Participant, type TrackFrame } from './frames';
import { browserMedia, browserPeer, type MediaSource, type PeerFactory, type PeerLike, type TransceiverLike } from './peer';
import { Publisher } from './publisher';
import { mediaSections } from './sdp';
import { forwardedTracks, Slots, trackKey, type Forwarded } from './slots';
import { buildTiles, mutedByName, type MutedForMe, type Tile } from './tiles';
import { ViewReporter } from './views';

export type CallPhase = 'connecting' | 'joined' | 'reconnecting' | 'ended';

export type EndReason = 'left' | 'removed' | 'full' | 'failed' | 'unavailable' | 'signedOut';

export interface LocalKind {
  /** The device is on and sent (the user wants it and no moderator holds it). */
  on: boolean;
  /** The name of the moderator whose mute is in force, or null. */
  moderatedBy: string | null;
}

export interface RemoteAudio {
  participantId: string;
  track: MediaStreamTrack;
  mutedForMe: boolean;
}

export interface CallSnapshot {
  groupId: string;
  phase: CallPhase;
  ended: { reason: EndReason; message: string } | null;
  selfId: string | null;
  participants: readonly Participant[];
  tiles: readonly Tile[];
  remoteAudio: readonly RemoteAudio[];
  local: { audio: LocalKind; video: LocalKind; screen: boolean; devices: { audio?: string; video?: string } };
  notice: { id: number; text: string } | null;
  /** The active speaker's participantId (the server's `speaker` frames), or null. */
  speaker: string | null;
}

export interface CallOptions {
  groupId: string;
  url: string;
  /** What to publish when joining (the user's first intent). */
  audio: boolean;
  video: boolean;
  getToken: () => string | null;
  /** A fresh token after a 4001; null when the session is over. */
  refreshToken: () => Promise<string | null>;
  createSocket?: (url: string) => SocketLike;
  createPeer?: PeerFactory;
  media?: MediaSource;
  random?: () => number;
  tokenCheckMs?: number;
  pingMs?: number;
  /** How long an ICE restart may take before the call is rejoined. */
  iceRestartTimeoutMs?: number;
  /** How long ICE may stay `disconnected` before it counts as failed. */
  disconnectedGraceMs?: number;
  /** Reconnect attempts (after having joined once) before giving up. */
  maxAttempts?: number;
}

const endMessages: Readonly<Record<EndReason, string>> = {
  left: 'You left the call.',
  removed: 'You are no longer a member of this group.',
  full: 'The call is full.',
  failed: 'The connection to the call was lost.',
  unavailable: 'Calls are not available right now.',
  signedOut: 'Your session has ended. Sign in again to rejoin.',
};

const OPEN = 1;
const maxQueuedCandidates = 200;
let sessions = 0;

export class CallSession {
  /** Unique per session in this page (a React key). */
  readonly id = ++sessions;
  readonly groupId: string;
  private readonly opts: CallOptions;
  private readonly publisher: Publisher;
  private readonly listeners = new Set<() => void>();
  private snap: CallSnapshot;
  private phase: CallPhase = 'connecting';
  private ended: CallSnapshot['ended'] = null;
  private socket: SocketLike | null = null;
  private peer: PeerLike | null = null;
  private slots: Slots | null = null;
  private conn = 0;
  private joined = false;
  private joinedOnce = false;
  private selfId: string | null = null;
  private participants: Participant[] = [];
  private readonly trackFrames = new Map<string, TrackFrame>();
  private forwarded: Forwarded[] = [];
  private receivers = new Map<string, MediaStreamTrack>();
  private readonly mutedForMe = new Map<string, MutedForMe>();
  private remoteSet = false;
  private pendingRemote: RTCIceCandidateInit[] = [];
  private heldLocal: RTCIceCandidateInit[] | null = null;
  private offers: Promise<void> = Promise.resolve();
  private attempt = 0;
  private restarting = false;
  private awaitingPong = false;
  private authedToken: string | null = null;
  private leaving = false;
  private notice: CallSnapshot['notice'] = null;
  private speaker: string | null = null;
  private readonly views: ViewReporter;
  private noticeSeq = 0;
  private nameOf: ((userId: string) => string | null) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private tokenTimer: ReturnType<typeof setInterval> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: CallOptions) {
    this.opts = opts;
    this.groupId = opts.groupId;
    this.publisher = new Publisher(opts.media ?? browserMedia, {
      send: (f) => this.send(f),
      slots: () => (this.joined ? this.slots : null),
      transceiver: (mid) => this.transceiver(mid),
      self: () => (this.joined ? this.self() : null),
      changed: () => this.emit(),
      notice: (text) => this.say(text),
    });
    this.views = new ViewReporter({ send: (participantId, size) => this.send({ type: 'view', participantId, ...size }) });
    this.publisher.wants.audio = opts.audio;
    this.publisher.wants.video = opts.video;
    this.snap = this.build();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): CallSnapshot => this.snap;

  start(): void {
    if (this.tokenTimer !== undefined || this.ended) return;
    this.tokenTimer = setInterval(() => this.checkToken(), this.opts.tokenCheckMs ?? 5_000);
    this.pingTimer = setInterval(() => this.ping(), this.opts.pingMs ?? 25_000);
    void this.connect();
  }

  // ---- user actions ----

  /** Turns the microphone on or off; false while a moderator's mute is in force. */
  setMicrophone(on: boolean): boolean {
    return this.publisher.want('audio', on);
  }

  setCamera(on: boolean): boolean {
    return this.publisher.want('video', on);
  }

  startScreenShare(): Promise<void> {
    return this.publisher.startScreen();
  }

  stopScreenShare(): void {
    this.publisher.stopScreen();
  }

  chooseDevice(kind: MediaKind, deviceId: string): Promise<void> {
    return this.publisher.chooseDevice(kind, deviceId);
  }

  /** "Mute for me": stop (or resume) receiving someone's audio or video on this client only. */
  muteForMe(participantId: string, kind: MediaKind, muted: boolean): void {
    const entry = { ...(this.mutedForMe.get(participantId) ?? { audio: false, video: false }), [kind]: muted };
    if (entry.audio || entry.video) this.mutedForMe.set(participantId, entry);
    else this.mutedForMe.delete(participantId);
    if (this.joined) this.send({ type: 'subscribe', participantId, kind, enabled: !muted });
    this.emit();
  }

  /** "Mute for everyone" (muted) or "lift" (not muted); the server checks the right. */
  moderate(participantId: string, kind: MediaKind, muted: boolean): void {
    this.send({ type: 'moderate', participantId, kind, muted });
  }

  /**
   * The size at which this client shows a participant's camera, in device
   * pixels (0 × 0: not shown). Call it as often as the tile changes; the
   * frames are coalesced.
   */
  setView(participantId: string, width: number, height: number): void {
    if (participantId === this.selfId || this.ended) return;
    this.views.report(participantId, width, height);
  }

  dismissNotice(): void {
    this.notice = null;
    this.emit();
  }

  /** Leaves the call: `leave`, then the socket closes; every device stops. */
  leave(): void {
    if (this.ended) return;
    this.leaving = true;
    this.send({ type: 'leave' });
    this.end('left');
  }

  // ---- connection ----

  private async connect(): Promise<void> {
    if (this.ended) return;
    const conn = ++this.conn;
    this.slots = new Slots();
    this.joined = false;
    this.remoteSet = false;
    this.pendingRemote = [];
    this.heldLocal = null;
    this.trackFrames.clear();
    this.offers = Promise.resolve();
    const announce = await this.publisher.prepare();
    if (conn !== this.conn || this.ended) return;
    const make = this.opts.createSocket ?? ((url: string) => new WebSocket(url));
    let socket: SocketLike;
    try {
      socket = make(this.opts.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    this.awaitingPong = false;
    const slots = this.slots;
    socket.onopen = () => {
      if (conn !== this.conn) return;
      const token = this.opts.getToken();
      this.authedToken = token;
      socket.send(JSON.stringify({ type: 'auth', token: token ?? '' }));
      socket.send(JSON.stringify({ type: 'join', ...announce }));
      this.publisher.connected(announce, slots);
    };
    socket.onmessage = (ev) => {
      if (conn !== this.conn) return;
      const frame = parseCallFrame(ev.data);
      if (frame) this.handle(frame, conn);
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => void this.closed(ev.code, conn);
    this.emit();
  }

  private handle(f: CallServerFrame, conn: number): void {
    switch (f.type) {
      case 'joined':
        this.onJoined(f.participantId, f.participants, f.iceServers, conn);
        return;
      case 'offer':
        this.offers = this.offers.then(() => this.applyOffer(f.sdp, conn));
        return;
      case 'candidate':
        this.remoteCandidate(f.candidate);
        return;
      case 'track':
        this.trackFrames.set(trackKey(f.streamId, f.kind), f);
        return;
      case 'participant.joined':
      case 'participant.updated': {
        const before = this.participants.find((p) => p.participantId === f.participant.participantId) ?? null;
        this.participants = before
          ? this.participants.map((p) => (p.participantId === f.participant.participantId ? f.participant : p))
          : [...this.participants, f.participant];
        if (f.participant.participantId === this.selfId) this.publisher.selfUpdated(before, f.participant);
        this.emit();
        return;
      }
      case 'participant.left': {
        const gone = f.participant.participantId;
        this.participants = this.participants.filter((p) => p.participantId !== gone);
        this.mutedForMe.delete(gone);
        this.views.forget(gone);
        if (this.speaker === gone) this.speaker = null;
        for (const [key, t] of this.trackFrames) if (t.participantId === gone) this.trackFrames.delete(key);
        this.emit();
        return;
      }
      case 'moderated': {
        // A mute is explained for as long as it holds (snapshot.local.*.moderatedBy); the lift is news.
        if (f.muted) return;
        const by = this.named().find((p) => p.participantId === f.by)?.username ?? 'A moderator';
        this.say(`${by} lifted the mute on your ${f.kind === 'audio' ? 'microphone' : 'camera'}.`);
        return;
      }
      case 'error':
        if (f.error.code === 'forbidden') this.say(f.error.message || 'You are not allowed to do that.');
        return;
      case 'speaker':
        if (f.participantId === this.speaker) return;
        this.speaker = f.participantId;
        this.emit();
        return;
      case 'pong':
        this.awaitingPong = false;
        return;
    }
  }

  private onJoined(selfId: string, participants: Participant[], iceServers: RTCIceServer[], conn: number): void {
    this.peer?.close();
    this.selfId = selfId;
    this.participants = participants;
    this.joined = true;
    this.joinedOnce = true;
    this.phase = this.phase === 'connecting' ? 'joined' : 'reconnecting';
    this.peer = (this.opts.createPeer ?? browserPeer)(
      { iceServers },
      {
        onCandidate: (c) => {
          if (conn !== this.conn || c === null || !c.candidate) return;
          if (this.heldLocal) this.heldLocal.push(c);
          else this.send({ type: 'candidate', candidate: c });
        },
        onIceState: (s) => {
          if (conn === this.conn) this.iceState(s);
        },
      },
    );
    // "Mute for me" carries over for whoever is still here.
    const present = new Set(participants.map((p) => p.participantId));
    for (const [id, m] of this.mutedForMe) {
      if (!present.has(id)) this.mutedForMe.delete(id);
      else for (const kind of ['audio', 'video'] as const) if (m[kind]) this.send({ type: 'subscribe', participantId: id, kind, enabled: false });
    }
    if (this.speaker !== null && !present.has(this.speaker)) this.speaker = null;
    // The SFU of this connection knows no view yet: every tile's size again.
    for (const id of this.views.known()) if (!present.has(id)) this.views.forget(id);
    this.views.connected(true);
    const self = this.self();
    if (self) this.publisher.selfUpdated(null, self);
    this.emit();
  }

  private async applyOffer(sdp: string, conn: number): Promise<void> {
    const peer = this.peer;
    const slots = this.slots;
    if (!peer || !slots || conn !== this.conn) return;
    try {
      await peer.setRemoteDescription({ type: 'offer', sdp });
      if (conn !== this.conn) return;
      this.remoteSet = true;
      const sections = mediaSections(sdp);
      slots.apply(sections);
      await this.publisher.attachAll();
      this.forwarded = forwardedTracks(sections, slots, this.trackFrames);
      const byMid = new Map(peer.getTransceivers().map((t) => [t.mid, t]));
      this.receivers = new Map();
      for (const f of this.forwarded) {
        const track = byMid.get(f.mid)?.receiver.track;
        if (track) this.receivers.set(f.mid, track);
      }
      this.heldLocal = [];
      const answer = await peer.createAnswer();
      await peer.setLocalDescription(answer);
      if (conn !== this.conn) return;
      this.send({ type: 'answer', sdp: answer.sdp ?? '' });
      const held = this.heldLocal;
      this.heldLocal = null;
      for (const c of held) this.send({ type: 'candidate', candidate: c });
      for (const c of this.pendingRemote.splice(0)) await peer.addIceCandidate(c).catch(() => {});
      this.emit();
      void this.publisher.reconcile();
    } catch {
      // An offer this browser cannot apply: start over on a new connection.
      if (conn === this.conn && !this.ended) this.rejoin();
    }
  }

  private remoteCandidate(c: RTCIceCandidateInit | null): void {
    if (c === null || !c.candidate) return; // end of candidates: nothing to do
    const peer = this.peer;
    if (!peer || !this.remoteSet) {
      if (this.pendingRemote.length < maxQueuedCandidates) this.pendingRemote.push(c);
      return;
    }
    this.offers = this.offers.then(() => peer.addIceCandidate(c).catch(() => {}));
  }

  private iceState(s: RTCIceConnectionState): void {
    if (s === 'connected' || s === 'completed') {
      clearTimeout(this.graceTimer);
      clearTimeout(this.restartTimer);
      this.graceTimer = this.restartTimer = undefined;
      this.restarting = false;
      this.attempt = 0;
      if (this.phase !== 'joined') {
        this.phase = 'joined';
        this.emit();
      }
    } else if (s === 'disconnected') {
      clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => this.iceFailed(), this.opts.disconnectedGraceMs ?? 4_000);
    } else if (s === 'failed') {
      this.iceFailed();
    }
  }

  private iceFailed(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.restarting || this.ended || !this.joined) return;
    this.restarting = true;
    this.phase = 'reconnecting';
    this.send({ type: 'renegotiate', iceRestart: true });
    this.restartTimer = setTimeout(() => this.rejoin(), this.opts.iceRestartTimeoutMs ?? 10_000);
    this.emit();
  }

  /** Drops this connection and joins again on a new one (with backoff). */
  private rejoin(): void {
    if (this.ended) return;
    this.dropConnection(1000, 'rejoin');
    this.retry();
  }

  private async closed(code: number, conn: number): Promise<void> {
    if (conn !== this.conn || this.ended) return;
    this.dropConnection();
    if (this.leaving) return this.end('left');
    switch (code) {
      case 4004:
        return this.end('removed');
      case 4009:
        return this.end('full');
      case 1009:
        return this.end('failed');
      case 4001: {
        const token = await this.opts.refreshToken().catch(() => undefined);
        if (token === null) return this.end('signedOut');
        return this.retry();
      }
      default:
        return this.retry();
    }
  }

  private retry(): void {
    if (this.ended) return;
    const max = this.joinedOnce ? this.opts.maxAttempts ?? 8 : 3;
    if (this.attempt >= max) return this.end(this.joinedOnce ? 'failed' : 'unavailable');
    this.phase = this.joinedOnce ? 'reconnecting' : 'connecting';
    const delay = backoffDelay(this.attempt++, { baseMs: 1_000, maxMs: 15_000, ...(this.opts.random ? { random: this.opts.random } : {}) });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.emit();
  }

  private dropConnection(code?: number, reason?: string): void {
    if (this.joined) this.publisher.disconnected();
    this.views.connected(false);
    this.conn++;
    this.joined = false;
    this.restarting = false;
    clearTimeout(this.graceTimer);
    clearTimeout(this.restartTimer);
    this.graceTimer = this.restartTimer = undefined;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      if (code !== undefined) {
        try {
          s.close(code, reason);
        } catch {
          // already closed
        }
      }
    }
    this.peer?.close();
    this.peer = null;
    this.forwarded = [];
    this.receivers = new Map();
  }

  private end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = { reason, message: endMessages[reason] };
    this.phase = 'ended';
    clearTimeout(this.retryTimer);
    clearInterval(this.tokenTimer);
    clearInterval(this.pingTimer);
    this.dropConnection(1000, 'bye');
    this.views.dispose();
    this.publisher.stopAll();
    this.emit();
  }

  private checkToken(): void {
    const s = this.socket;
    const token = this.opts.getToken();
    if (!s || s.readyState !== OPEN || this.authedToken === null || token === null || token === this.authedToken) return;
    this.authedToken = token;
    s.send(JSON.stringify({ type: 'auth', token }));
  }

  private ping(): void {
    if (!this.joined) return;
    if (this.awaitingPong) {
      this.rejoin(); // no pong since the last ping: the socket is dead
      return;
    }
    this.awaitingPong = true;
    this.send({ type: 'ping' });
  }

  private send(frame: CallClientFrame): void {
    const s = this.socket;
    if (s && s.readyState === OPEN) s.send(JSON.stringify(frame));
  }

  private self(): Participant | null {
    return this.participants.find((p) => p.participantId === this.selfId) ?? null;
  }

  private transceiver(mid: string): TransceiverLike | undefined {
    return this.peer?.getTransceivers().find((t) => t.mid === mid);
  }

  private say(text: string): void {
    this.notice = { id: ++this.noticeSeq, text };
    this.emit();
  }

  /**
   * How the view names people (their member's display name): participants
   * carry usernames. Used for "muted by …" and the notices; null for the
   * usernames.
   */
  setNames(nameOf: ((userId: string) => string | null) | null): void {
    this.nameOf = nameOf;
    this.emit();
  }

  /** The participants with the names the view shows. */
  private named(): Participant[] {
    const nameOf = this.nameOf;
    if (!nameOf) return this.participants;
    return this.participants.map((p) => ({ ...p, username: nameOf(p.userId) ?? p.username }));
  }

  private emit(): void {
    this.snap = this.build();
    for (const l of [...this.listeners]) l();
  }

  private build(): CallSnapshot {
    const remote = new Map<string, Partial<Record<'camera' | 'microphone' | 'screen', MediaStreamTrack>>>();
    for (const f of this.forwarded) {
      const track = this.receivers.get(f.mid);
      if (!f.active || !track) continue;
      remote.set(f.participantId, { ...remote.get(f.participantId), [f.source]: track });
    }
    const p = this.publisher;
    const self = this.joined ? this.self() : null;
    const local = (kind: MediaKind): LocalKind => ({
      on: p.wants[kind] && (kind === 'audio' ? p.microphone : p.camera) !== null && self?.[kind].mutedBy == null,
      moderatedBy: self ? mutedByName(self[kind], this.named(), this.selfId) : null,
    });
    const remoteAudio: RemoteAudio[] = [];
    for (const [participantId, media] of remote) {
      if (media.microphone) remoteAudio.push({ participantId, track: media.microphone, mutedForMe: this.mutedForMe.get(participantId)?.audio ?? false });
    }
    return {
      groupId: this.groupId,
      phase: this.phase,
      ended: this.ended,
      selfId: this.selfId,
      participants: this.participants,
      tiles: buildTiles({
        selfId: this.selfId,
        participants: this.participants,
        remote,
        local: { microphone: p.microphone, camera: p.camera, screen: p.screen },
        mutedForMe: this.mutedForMe,
      }),
      remoteAudio,
      local: { audio: local('audio'), video: local('video'), screen: p.screen !== null, devices: { ...p.devices } },
      notice: this.notice,
      speaker: this.speaker,
    };
  }
}
