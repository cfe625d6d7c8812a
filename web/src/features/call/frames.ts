/**
 * The frames of the call signalling WebSocket (API.md "Call signalling
 * WebSocket", api/websocket.md). Server frames are checked for the fields
 * this client reads before they are used: a frame that does not have them
 * is dropped (as if it never came) rather than crashing the call.
 */
import type { Participant, TrackState } from '../../api/types';

export type { Participant, TrackState };

export type MediaKind = 'audio' | 'video';

/** Where a track comes from; camera and microphone share a stream, the screen has its own. */
export type Source = 'camera' | 'microphone' | 'screen';

export interface IceServer {
  urls: string[] | string;
  username?: string;
  credential?: string;
}

export interface TrackFrame {
  type: 'track';
  participantId: string;
  streamId: string;
  trackId: string;
  kind: MediaKind;
  source: Source;
}

export type CallServerFrame =
  | { type: 'joined'; participantId: string; participants: Participant[]; iceServers: IceServer[] }
  | { type: 'offer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit | null }
  | TrackFrame
  | { type: 'participant.joined' | 'participant.updated' | 'participant.left'; participant: Participant }
  | { type: 'moderated'; kind: MediaKind; muted: boolean; by: string }
  | { type: 'error'; error: { code: string; message: string } }
  | { type: 'speaker'; participantId: string }
  | { type: 'pong' };

/** What renegotiate asks for (exactly one of these per frame). */
export type RenegotiateRequest = { screen: boolean } | { audio: true } | { video: true } | { iceRestart: true };

export type CallClientFrame =
  | { type: 'auth'; token: string }
  | { type: 'join'; audio: boolean; video: boolean }
  | { type: 'answer'; sdp: string }
  | { type: 'candidate'; candidate: RTCIceCandidateInit | null }
  | ({ type: 'renegotiate' } & RenegotiateRequest)
  | { type: 'mute'; kind: MediaKind; muted: boolean }
  | { type: 'moderate'; participantId: string; kind: MediaKind; muted: boolean }
  | { type: 'subscribe'; participantId: string; kind: MediaKind; enabled: boolean }
  | { type: 'view'; participantId: string; width: number; height: number }
  | { type: 'leave' }
  | { type: 'ping' };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isKind = (v: unknown): v is MediaKind => v === 'audio' || v === 'video';
const isSource = (v: unknown): v is Source => v === 'camera' || v === 'microphone' || v === 'screen';

function isTrackState(v: unknown): v is TrackState {
  return isObj(v) && typeof v['muted'] === 'boolean' && (v['mutedBy'] === null || isStr(v['mutedBy']));
}

export function isParticipant(v: unknown): v is Participant {
  return (
    isObj(v) &&
    isStr(v['participantId']) &&
    isStr(v['userId']) &&
    isStr(v['username']) &&
    isTrackState(v['audio']) &&
    isTrackState(v['video']) &&
    typeof v['screen'] === 'boolean'
  );
}

function isIceServer(v: unknown): v is IceServer {
  const urls = isObj(v) ? v['urls'] : undefined;
  return isStr(urls) || (Array.isArray(urls) && urls.every(isStr));
}

function isCandidate(v: unknown): v is RTCIceCandidateInit | null {
  return v === null || v === undefined || (isObj(v) && (v['candidate'] === undefined || isStr(v['candidate'])));
}

function valid(f: Obj): boolean {
  switch (f['type']) {
    case 'joined':
      return (
        isStr(f['participantId']) &&
        Array.isArray(f['participants']) &&
        f['participants'].every(isParticipant) &&
        (f['iceServers'] === undefined || (Array.isArray(f['iceServers']) && f['iceServers'].every(isIceServer)))
      );
    case 'offer':
      return isStr(f['sdp']);
    case 'candidate':
      return isCandidate(f['candidate']);
    case 'track':
      return isStr(f['participantId']) && isStr(f['streamId']) && isStr(f['trackId']) && isKind(f['kind']) && isSource(f['source']);
    case 'participant.joined':
    case 'participant.updated':
    case 'participant.left':
      return isParticipant(f['participant']);
    case 'moderated':
      return isKind(f['kind']) && typeof f['muted'] === 'boolean' && isStr(f['by']);
    case 'error':
      return isObj(f['error']) && isStr(f['error']['code']);
    case 'speaker':
      return isStr(f['participantId']);
    case 'pong':
      return true;
    default:
      return false;
  }
}

/** Reads a text frame; null for anything that is not a known, well-formed server frame. */
export function parseCallFrame(data: unknown): CallServerFrame | null {
  if (!isStr(data)) return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isObj(v) || !valid(v)) return null;
  if (v['type'] === 'joined' && v['iceServers'] === undefined) v['iceServers'] = [];
  if (v['type'] === 'candidate' && v['candidate'] === undefined) v['candidate'] = null;
  if (v['type'] === 'error' && isObj(v['error']) && !isStr(v['error']['message'])) v['error']['message'] = '';
  return v as CallServerFrame;
}
