/**
 * Which m-line carries what, per api/websocket.md "Offers, answers, m-lines".
 *
 * Publishing slots: the server's `recvonly` m-lines receive this client's
 * microphone, camera and screen. They appear in offers in the order the
 * client asked for them (`join {audio, video}`: audio first, then video;
 * each `renegotiate {audio|video|screen: true}` adds one), so a new
 * `recvonly` m-line belongs to the oldest outstanding request of its kind.
 * Once assigned, a slot keeps its mid for the whole connection (a later
 * screen share reuses the screen slot).
 *
 * Forwarded tracks: the server's `sendonly` m-lines carry one track of
 * another participant each, named by the `track` frames (matched on the
 * m-line's msid stream id and kind); an `inactive` one carries nothing now.
 */
import type { MediaKind, Source, TrackFrame } from './frames';
import type { MediaSection } from './sdp';

export const kindOf = (source: Source): MediaKind => (source === 'microphone' ? 'audio' : 'video');

export class Slots {
  private readonly mids = new Map<Source, string>();
  private readonly expected: Source[] = [];
  private readonly waiters = new Map<Source, (() => void)[]>();

  /** The mid of a source's slot, if the server has offered it. */
  mid(source: Source): string | undefined {
    return this.mids.get(source);
  }

  /** Whether a slot for source was asked for and has not been offered yet. */
  isExpected(source: Source): boolean {
    return this.expected.includes(source);
  }

  /** Records that the client asked for a slot (join or renegotiate); no-op when it has or awaits one. */
  expect(source: Source): void {
    if (this.mids.has(source) || this.isExpected(source)) return;
    this.expected.push(source);
  }

  /** Whether some slot of this kind is still awaited (a second request of the kind would be ambiguous). */
  awaitingKind(kind: MediaKind): boolean {
    return this.expected.some((s) => kindOf(s) === kind);
  }

  /** Resolves when source's slot is offered (at once when it already is). */
  whenOffered(source: Source): Promise<void> {
    if (this.mids.has(source)) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.waiters.get(source) ?? [];
      list.push(resolve);
      this.waiters.set(source, list);
    });
  }

  /**
   * Reads an offer: each `recvonly` m-line not yet assigned goes to the
   * oldest expected source of its kind. Returns the sources assigned now.
   * Unexpected `recvonly` m-lines stay unassigned (answered inactive).
   */
  apply(sections: readonly MediaSection[]): Source[] {
    const assigned: Source[] = [];
    const taken = new Set(this.mids.values());
    for (const s of sections) {
      if (s.direction !== 'recvonly' || s.rejected || s.mid === null || taken.has(s.mid)) continue;
      const at = this.expected.findIndex((src) => kindOf(src) === s.kind);
      if (at < 0) continue;
      const [source] = this.expected.splice(at, 1);
      if (!source) continue;
      this.mids.set(source, s.mid);
      taken.add(s.mid);
      assigned.push(source);
      for (const resolve of this.waiters.get(source) ?? []) resolve();
      this.waiters.delete(source);
    }
    return assigned;
  }

  /** Every slot, by source. */
  entries(): [Source, string][] {
    return [...this.mids.entries()];
  }

  /** Whether mid is one of this client's publishing slots. */
  isSlot(mid: string): boolean {
    return [...this.mids.values()].includes(mid);
  }
}

/** One forwarded track: whose, which source, on which m-line, and whether it flows now. */
export interface Forwarded {
  mid: string;
  kind: MediaKind;
  participantId: string;
  source: Source;
  streamId: string;
  active: boolean;
}

/** The key under which `track` frames are kept: msid stream id and kind. */
export const trackKey = (streamId: string, kind: string): string => `${streamId} ${kind}`;

/**
 * Whose track a forwarding m-line carries: from its `track` frame, or, when
 * none came, from the msid naming rule (`<participantId>` for camera and
 * microphone, `<participantId>.screen` for a screen share).
 */
export function identify(streamId: string, kind: MediaKind, frames: ReadonlyMap<string, TrackFrame>): { participantId: string; source: Source } {
  const frame = frames.get(trackKey(streamId, kind));
  if (frame) return { participantId: frame.participantId, source: frame.source };
  if (streamId.endsWith('.screen')) return { participantId: streamId.slice(0, -'.screen'.length), source: 'screen' };
  return { participantId: streamId, source: kind === 'audio' ? 'microphone' : 'camera' };
}

/** The forwarding m-lines of an offer (everything with a msid that is not a publishing slot). */
export function forwardedTracks(sections: readonly MediaSection[], slots: Slots, frames: ReadonlyMap<string, TrackFrame>): Forwarded[] {
  const out: Forwarded[] = [];
  for (const s of sections) {
    if (s.mid === null || slots.isSlot(s.mid) || s.direction === 'recvonly') continue;
    if (s.kind !== 'audio' && s.kind !== 'video') continue;
    if (!s.msid) continue;
    const who = identify(s.msid.streamId, s.kind, frames);
    out.push({
      mid: s.mid,
      kind: s.kind,
      ...who,
      streamId: s.msid.streamId,
      active: !s.rejected && (s.direction === 'sendonly' || s.direction === 'sendrecv'),
    });
  }
  return out;
}
