/**
 * What the call grid shows: one tile per participant (camera or avatar)
 * and one more per screen share, built from the server's participant list,
 * the forwarded tracks and this client's own media. Pure: the session calls
 * it for every snapshot.
 */
import type { MediaKind, Participant, Source, TrackState } from './frames';

export interface MutedForMe {
  audio: boolean;
  video: boolean;
}

export interface Tile {
  /** Stable across snapshots: `<participantId>` or `<participantId>.screen`. */
  key: string;
  participantId: string;
  userId: string;
  username: string;
  source: 'camera' | 'screen';
  self: boolean;
  /** The video to play now; null shows the avatar (no camera, muted, or muted for me). */
  video: MediaStreamTrack | null;
  /** The audio of the participant (camera tiles only), for the speaking indicator. */
  audio: MediaStreamTrack | null;
  audioState: TrackState;
  videoState: TrackState;
  mutedForMe: MutedForMe;
}

export type RemoteMedia = ReadonlyMap<string, Partial<Readonly<Record<Source, MediaStreamTrack>>>>;

export interface TileInput {
  selfId: string | null;
  participants: readonly Participant[];
  remote: RemoteMedia;
  local: { microphone: MediaStreamTrack | null; camera: MediaStreamTrack | null; screen: MediaStreamTrack | null };
  mutedForMe: ReadonlyMap<string, MutedForMe>;
}

const notMutedForMe: MutedForMe = { audio: false, video: false };

/** Camera tiles in join order; screen shares first, since they are what people look at. */
export function buildTiles(input: TileInput): Tile[] {
  const screens: Tile[] = [];
  const cameras: Tile[] = [];
  for (const p of input.participants) {
    const self = p.participantId === input.selfId;
    const forMe = self ? notMutedForMe : input.mutedForMe.get(p.participantId) ?? notMutedForMe;
    const media = self ? input.local : input.remote.get(p.participantId) ?? {};
    const base = {
      participantId: p.participantId,
      userId: p.userId,
      username: p.username,
      self,
      audioState: p.audio,
      videoState: p.video,
      mutedForMe: forMe,
    };
    const camera = media.camera ?? null;
    const microphone = media.microphone ?? null;
    cameras.push({
      ...base,
      key: p.participantId,
      source: 'camera',
      // My own preview follows my devices at once; others follow the server's state.
      video: self ? camera : camera && !p.video.muted && !forMe.video ? camera : null,
      audio: self ? (microphone?.enabled ? microphone : null) : microphone && !p.audio.muted && !forMe.audio ? microphone : null,
    });
    const screen = media.screen ?? null;
    if (p.screen || (self && screen)) {
      screens.push({
        ...base,
        key: `${p.participantId}.screen`,
        source: 'screen',
        // A moderator's video mute stops the screen share too.
        video: screen && (self || (p.video.mutedBy === null && !forMe.video)) ? screen : null,
        audio: null,
      });
    }
  }
  return [...screens, ...cameras];
}

/** "muted by <name>" for a moderator's mute; the moderator may have left, or be me. */
export function mutedByName(state: TrackState, participants: readonly Participant[], selfId: string | null): string | null {
  if (!state.muted || state.mutedBy === null) return null;
  if (state.mutedBy === selfId) return 'you';
  return participants.find((p) => p.participantId === state.mutedBy)?.username ?? 'a moderator';
}

/** The label of a mute badge: null when not muted. */
export function muteLabel(kind: MediaKind, state: TrackState, participants: readonly Participant[], selfId: string | null): string | null {
  if (!state.muted) return null;
  const what = kind === 'audio' ? 'Microphone off' : 'Camera off';
  const by = mutedByName(state, participants, selfId);
  return by ? `Muted by ${by}` : what;
}
