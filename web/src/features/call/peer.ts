/**
 * The parts of RTCPeerConnection and of the browser's media devices the
 * call uses, as small interfaces: the session (session.ts) is written
 * against them, unit tests pass fakes, and the browser versions below are
 * thin adapters.
 */

/** What the session reads and changes on a transceiver (an RTCRtpTransceiver fits). */
export interface TransceiverLike {
  readonly mid: string | null;
  direction: RTCRtpTransceiverDirection;
  readonly sender: {
    readonly track: MediaStreamTrack | null;
    replaceTrack(track: MediaStreamTrack | null): Promise<void>;
    /** The encodings (simulcast: one per rid of the offer); absent in fakes that do not model them. */
    getParameters?(): RTCRtpSendParameters;
    setParameters?(parameters: RTCRtpSendParameters): Promise<void>;
  };
  readonly receiver: { readonly track: MediaStreamTrack };
}

/** What the session calls on its peer connection (an RTCPeerConnection fits). */
export interface PeerLike {
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  createAnswer(): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
  getTransceivers(): TransceiverLike[];
  readonly iceConnectionState: RTCIceConnectionState;
  close(): void;
}

export interface PeerEvents {
  /** A local ICE candidate to send; null at the end of gathering. */
  onCandidate(candidate: RTCIceCandidateInit | null): void;
  onIceState(state: RTCIceConnectionState): void;
}

export type PeerFactory = (config: RTCConfiguration, events: PeerEvents) => PeerLike;

/** A real RTCPeerConnection whose events go to `events`. */
export const browserPeer: PeerFactory = (config, events) => {
  const pc = new RTCPeerConnection(config);
  pc.onicecandidate = (e) => events.onCandidate(e.candidate ? e.candidate.toJSON() : null);
  pc.oniceconnectionstatechange = () => events.onIceState(pc.iceConnectionState);
  return pc;
};

/** Where the session gets its own tracks (tests pass fakes). */
export interface MediaSource {
  microphone(deviceId?: string): Promise<MediaStreamTrack>;
  camera(deviceId?: string): Promise<MediaStreamTrack>;
  /** A screen, window or tab; rejects when the user cancels. */
  screen(): Promise<MediaStreamTrack>;
}

function firstTrack(stream: MediaStream, kind: 'audio' | 'video'): MediaStreamTrack {
  const track = (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0];
  if (!track) throw new DOMException(`No ${kind} track`, 'NotFoundError');
  for (const other of stream.getTracks()) if (other !== track) other.stop();
  return track;
}

/**
 * The browser's media devices. Browsers offer them only to secure pages
 * (HTTPS, localhost): on a plain-HTTP install there are none, and what
 * needs them fails with a name that mediaErrorText explains.
 */
function devices(): MediaDevices {
  const md = typeof navigator === 'undefined' ? undefined : (navigator.mediaDevices as MediaDevices | undefined);
  if (!md) throw new DOMException('media devices need a secure origin', 'InsecureContextError');
  return md;
}

const device = (deviceId: string | undefined) => (deviceId ? { deviceId: { exact: deviceId } } : {});

/** The browser's camera, microphone and screen capture. */
export const browserMedia: MediaSource = {
  async microphone(deviceId) {
    const stream = await devices().getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, ...device(deviceId) },
    });
    return firstTrack(stream, 'audio');
  },
  async camera(deviceId) {
    const stream = await devices().getUserMedia({
      // The full simulcast layer (layers.ts): the SFU sends each subscriber
      // the half or quarter of it when its tile is small.
      video: { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 24 }, ...device(deviceId) },
    });
    return firstTrack(stream, 'video');
  },
  async screen() {
    const stream = await devices().getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    return firstTrack(stream, 'video');
  },
};

export interface DeviceChoice {
  deviceId: string;
  label: string;
}

/** The microphones and cameras the browser lists (labels appear once permission was given). */
export async function listDevices(): Promise<{ microphones: DeviceChoice[]; cameras: DeviceChoice[] }> {
  const all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  const pick = (kind: MediaDeviceKind, fallback: string) =>
    all
      .filter((d) => d.kind === kind && d.deviceId !== '')
      .map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${fallback} ${i + 1}` }));
  return { microphones: pick('audioinput', 'Microphone'), cameras: pick('videoinput', 'Camera') };
}

/** A human sentence for a getUserMedia / getDisplayMedia failure. */
export function mediaErrorText(err: unknown, what: 'microphone' | 'camera' | 'screen'): string {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'InsecureContextError':
      return `The ${what} needs a secure connection: open Parley over HTTPS (browsers give cameras, microphones and screens only to secure pages).`;
    case 'NotAllowedError':
    case 'SecurityError':
      return what === 'screen' ? 'Screen sharing was cancelled or is not allowed.' : `The browser did not allow the ${what}.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another app or could not be started.`;
    default:
      return `The ${what} could not be started.`;
  }
}
