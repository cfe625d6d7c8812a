/**
 * This client's own media in a call: the microphone, the camera and a
 * screen share, and the mute state machine that keeps them, the publishing
 * slots and the server's view of them in agreement.
 *
 * The user states an intent per kind (`wants`: microphone on, camera on) and
 * may share a screen. A moderator's mute (the server's `mutedBy`) overrides
 * the intent without changing it, so that lifting the mute restores what the
 * user had. `reconcile()` drives everything toward "intent unless moderated":
 * it opens or stops devices, asks for a missing slot (`renegotiate {audio |
 * video | screen: true}`, one awaited slot per kind at a time, so that slots
 * can be told apart), attaches tracks to slots, and sends `mute` whenever the
 * server's state differs from the intent (once per server state: a new
 * `participant.updated` for a kind allows the next `mute` of that kind).
 *
 * The camera is published in the simulcast layers the offer asks for
 * (layers.ts); the screen share in one encoding.
 *
 * Muting the microphone disables its track (silence, quick to undo);
 * muting the camera stops it (the camera light goes off). While a
 * moderator's video mute is in force the screen share is stopped too.
 */
import type { CallClientFrame, MediaKind, Participant, Source } from './frames';
import { withCameraLayers } from './layers';
import { mediaErrorText, type MediaSource, type TransceiverLike } from './peer';
import type { Slots } from './slots';

/** What the publisher needs from the session's current connection. */
export interface PublisherLink {
  send(frame: CallClientFrame): void;
  /** The current connection's slots, or null between connections. */
  slots(): Slots | null;
  transceiver(mid: string): TransceiverLike | undefined;
  /** This participant as the server last described it; null before `joined`. */
  self(): Participant | null;
  changed(): void;
  notice(text: string): void;
}

export class Publisher {
  microphone: MediaStreamTrack | null = null;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  readonly wants = { audio: false, video: false };
  readonly devices: { audio?: string; video?: string } = {};
  private screenRequested = false;
  private readonly sentMute: Partial<Record<MediaKind, boolean>> = {};
  /** Kinds a moderator had muted when the last connection ended (not reopened on rejoin). */
  private readonly heldByModerator = { audio: false, video: false };
  private running = false;
  private again = false;

  constructor(
    private readonly media: MediaSource,
    private readonly link: PublisherLink,
  ) {}

  moderated(kind: MediaKind): boolean {
    return (this.link.self()?.[kind].mutedBy ?? null) !== null;
  }

  /**
   * Opens the devices the user wants before a `join` and says what to
   * announce: the kinds that have a track (a device that fails is dropped
   * from the intent, with a notice).
   */
  async prepare(): Promise<{ audio: boolean; video: boolean }> {
    if (this.wants.audio && !this.microphone && !this.heldByModerator.audio) await this.open('audio');
    if (this.wants.video && !this.camera && !this.heldByModerator.video) await this.open('video');
    return {
      audio: this.wants.audio && this.microphone !== null && !this.heldByModerator.audio,
      video: this.wants.video && this.camera !== null && !this.heldByModerator.video,
    };
  }

  /** A new connection starts: nothing was sent on it yet. */
  connected(announced: { audio: boolean; video: boolean }, slots: Slots): void {
    this.screenRequested = false;
    delete this.sentMute.audio;
    delete this.sentMute.video;
    if (announced.audio) slots.expect('microphone');
    if (announced.video) slots.expect('camera');
  }

  /** The connection ended: remember what a moderator held, for the rejoin. */
  disconnected(): void {
    this.heldByModerator.audio = this.moderated('audio');
    this.heldByModerator.video = this.moderated('video');
  }

  /** The server changed this participant: a new state allows a new `mute` of that kind. */
  selfUpdated(before: Participant | null, after: Participant): void {
    for (const kind of ['audio', 'video'] as const) {
      const a = before?.[kind];
      const b = after[kind];
      if (!a || a.muted !== b.muted || a.mutedBy !== b.mutedBy) delete this.sentMute[kind];
    }
    this.heldByModerator.audio = after.audio.mutedBy !== null;
    this.heldByModerator.video = after.video.mutedBy !== null;
    void this.reconcile();
  }

  /** Sets the intent for a kind; refused (false) while a moderator's mute is in force. */
  want(kind: MediaKind, on: boolean): boolean {
    if (this.moderated(kind) && on) return false;
    this.wants[kind] = on;
    this.link.changed();
    void this.reconcile();
    return true;
  }

  async startScreen(): Promise<void> {
    if (this.screen || this.moderated('video')) return;
    let track: MediaStreamTrack;
    try {
      track = await this.media.screen();
    } catch (err) {
      this.link.notice(mediaErrorText(err, 'screen'));
      return;
    }
    track.addEventListener('ended', () => {
      if (this.screen === track) this.stopScreen();
    });
    this.screen = track;
    this.link.changed();
    await this.reconcile();
  }

  stopScreen(): void {
    if (!this.screen) return;
    this.screen.stop();
    this.screen = null;
    this.link.changed();
    void this.reconcile();
  }

  /** Switches a device; the new track replaces the old one on its slot without renegotiation. */
  async chooseDevice(kind: MediaKind, deviceId: string): Promise<void> {
    this.devices[kind] = deviceId;
    const old = kind === 'audio' ? this.microphone : this.camera;
    if (!old) return;
    let track: MediaStreamTrack;
    try {
      track = kind === 'audio' ? await this.media.microphone(deviceId) : await this.media.camera(deviceId);
    } catch (err) {
      this.link.notice(mediaErrorText(err, kind === 'audio' ? 'microphone' : 'camera'));
      return;
    }
    if ((kind === 'audio' ? this.microphone : this.camera) !== old) {
      track.stop();
      return;
    }
    track.enabled = old.enabled;
    this.watchEnded(kind, track);
    if (kind === 'audio') this.microphone = track;
    else this.camera = track;
    await this.attach(kind === 'audio' ? 'microphone' : 'camera');
    old.stop();
    this.link.changed();
  }

  /** The track a slot should carry now. */
  trackFor(source: Source): MediaStreamTrack | null {
    if (source === 'microphone') return this.microphone;
    if (source === 'camera') return this.camera;
    return this.screen;
  }

  /** Points every offered slot at its track (called for each offer, before the answer). */
  async attachAll(): Promise<void> {
    for (const [source] of this.link.slots()?.entries() ?? []) await this.attach(source);
  }

  /** Stops every device (leaving). */
  stopAll(): void {
    for (const t of [this.microphone, this.camera, this.screen]) t?.stop();
    this.microphone = this.camera = this.screen = null;
  }

  /** Runs the reconcile steps until nothing more changes; concurrent calls fold into one run. */
  async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.step();
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private async step(): Promise<void> {
    const self = this.link.self();
    const slots = this.link.slots();
    if (!self || !slots) return;
    await this.reconcileKind('audio', self, slots);
    await this.reconcileKind('video', self, slots);
    await this.reconcileScreen(slots);
  }

  private async reconcileKind(kind: MediaKind, self: Participant, slots: Slots): Promise<void> {
    const source: Source = kind === 'audio' ? 'microphone' : 'camera';
    const moderated = self[kind].mutedBy !== null;
    let sending = this.wants[kind] && !moderated;
    // A device that cannot be opened drops the intent (open says why).
    if (sending && !(kind === 'audio' ? this.microphone : this.camera)) sending = await this.open(kind);
    if (sending) {
      if (kind === 'audio' && this.microphone) this.microphone.enabled = true;
      if (!slots.mid(source)) {
        if (!slots.isExpected(source) && !slots.awaitingKind(kind)) {
          slots.expect(source);
          this.link.send({ type: 'renegotiate', ...(kind === 'audio' ? { audio: true as const } : { video: true as const }) });
        }
        return;
      }
      await this.attach(source);
      this.sendMute(kind, false, self);
      return;
    }
    if (kind === 'audio') {
      if (this.microphone) this.microphone.enabled = false;
    } else if (this.camera) {
      const cam = this.camera;
      this.camera = null;
      cam.stop();
      await this.attach('camera');
      this.link.changed();
    }
    if (!moderated) this.sendMute(kind, true, self);
  }

  private async reconcileScreen(slots: Slots): Promise<void> {
    if (this.screen && this.moderated('video')) {
      this.screen.stop();
      this.screen = null;
      this.link.notice('Your screen share stopped: a moderator turned off your video.');
      this.link.changed();
    }
    if (this.screen) {
      if (!this.screenRequested) {
        if (!slots.mid('screen')) {
          if (slots.awaitingKind('video') && !slots.isExpected('screen')) return; // after the pending video slot
          slots.expect('screen');
        }
        this.screenRequested = true;
        this.link.send({ type: 'renegotiate', screen: true });
      }
      if (slots.mid('screen')) await this.attach('screen');
      return;
    }
    if (this.screenRequested) {
      this.screenRequested = false;
      this.link.send({ type: 'renegotiate', screen: false });
    }
    if (slots.mid('screen')) await this.attach('screen');
  }

  private sendMute(kind: MediaKind, muted: boolean, self: Participant): void {
    if (self[kind].muted === muted || this.sentMute[kind] === muted) return;
    this.sentMute[kind] = muted;
    this.link.send({ type: 'mute', kind, muted });
  }

  private async attach(source: Source): Promise<void> {
    const mid = this.link.slots()?.mid(source);
    const t = mid === undefined ? undefined : this.link.transceiver(mid);
    if (!t) return;
    if (t.direction !== 'sendonly') t.direction = 'sendonly';
    const track = this.trackFor(source);
    if (t.sender.track !== track) {
      try {
        await t.sender.replaceTrack(track);
      } catch {
        // The connection is closing; the next one attaches again.
      }
    }
    if (source === 'camera') await this.cameraLayers(t);
  }

  /**
   * Sets the camera's simulcast ladder (layers.ts) on its sender: the
   * browser made one encoding per rid the offer asked for, at defaults.
   * Nothing to do without simulcast or once set.
   */
  private async cameraLayers(t: TransceiverLike): Promise<void> {
    const { getParameters, setParameters } = t.sender;
    if (!getParameters || !setParameters) return;
    const params = getParameters.call(t.sender);
    const encodings = withCameraLayers(params.encodings ?? []);
    if (!encodings) return;
    try {
      await setParameters.call(t.sender, { ...params, encodings });
    } catch {
      // A closing connection, or a browser that refuses: it sends its default layers.
    }
  }

  /** Opens the device of a kind; on failure drops the intent and says why. */
  private async open(kind: MediaKind): Promise<boolean> {
    try {
      const track = kind === 'audio' ? await this.media.microphone(this.devices.audio) : await this.media.camera(this.devices.video);
      if ((kind === 'audio' ? this.microphone : this.camera) !== null) {
        track.stop(); // another open won
        return true;
      }
      this.watchEnded(kind, track);
      if (kind === 'audio') this.microphone = track;
      else this.camera = track;
      this.link.changed();
      return true;
    } catch (err) {
      this.wants[kind] = false;
      this.link.notice(mediaErrorText(err, kind === 'audio' ? 'microphone' : 'camera'));
      this.link.changed();
      return false;
    }
  }

  /** A device that goes away (unplugged, revoked) is reopened if still wanted. */
  private watchEnded(kind: MediaKind, track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      if (kind === 'audio' && this.microphone === track) this.microphone = null;
      else if (kind === 'video' && this.camera === track) this.camera = null;
      else return;
      this.link.changed();
      void this.reconcile();
    });
  }
}
