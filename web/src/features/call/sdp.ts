/**
 * Just enough SDP reading for the call: the media sections of the server's
 * offer, each with its kind, mid, direction (the server's side of it) and
 * msid. api/websocket.md defines the m-lines by these: `recvonly` sections
 * receive the client's media (its publishing slots), `sendonly` ones forward
 * another participant's track (msid `<participantId>` or
 * `<participantId>.screen`), `inactive` ones forwarded a track that stopped.
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaSection {
  /** The position of the m-line (0-based), i.e. sdpMLineIndex. */
  index: number;
  kind: string;
  mid: string | null;
  /** As written in the SDP: the side of the one who wrote it. */
  direction: Direction;
  /** Port 0: the section is rejected or stopped. */
  rejected: boolean;
  msid: { streamId: string; trackId: string } | null;
  /** The rids of `a=simulcast:recv` (the layers the writer asks to receive), in order; empty without. */
  simulcastRecv: string[];
}

const directions: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** The media sections of an SDP, in order. Unknown lines are ignored; never throws. */
export function mediaSections(sdp: string): MediaSection[] {
  const out: MediaSection[] = [];
  let sessionDirection: Direction = 'sendrecv';
  let current: (MediaSection & { explicitDirection: boolean; ssrcMsid: MediaSection['msid'] }) | null = null;
  const finish = () => {
    if (!current) return;
    const { explicitDirection, ssrcMsid, ...section } = current;
    if (!explicitDirection) section.direction = sessionDirection;
    section.msid ??= ssrcMsid;
    out.push(section);
  };
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      finish();
      const [kind = '', port = ''] = line.slice(2).split(' ');
      current = {
        index: out.length,
        kind,
        mid: null,
        direction: 'sendrecv',
        rejected: port === '0',
        msid: null,
        simulcastRecv: [],
        explicitDirection: false,
        ssrcMsid: null,
      };
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const attr = line.slice(2);
    if (directions.has(attr)) {
      if (current) {
        current.direction = attr as Direction;
        current.explicitDirection = true;
      } else {
        sessionDirection = attr as Direction;
      }
      continue;
    }
    if (!current) continue;
    if (attr.startsWith('mid:')) {
      current.mid = attr.slice(4);
    } else if (attr.startsWith('msid:')) {
      const [streamId = '', trackId = ''] = attr.slice(5).split(' ');
      if (streamId !== '' && streamId !== '-') current.msid = { streamId, trackId };
    } else if (attr.startsWith('simulcast:')) {
      // a=simulcast:recv q;h;f (RFC 8853); alternatives ("a,b") and paused ("~a") layers count by their first rid.
      const m = /^simulcast:(?:send \S+ )?recv (\S+)/.exec(attr);
      if (m?.[1]) current.simulcastRecv = m[1].split(';').map((r) => (r.split(',')[0] ?? '').replace(/^~/, '')).filter((r) => r !== '');
    } else if (attr.startsWith('ssrc:')) {
      // Older style: a=ssrc:<ssrc> msid:<stream> <track>
      const m = /^ssrc:\d+ msid:(\S+)(?: (\S+))?/.exec(attr);
      if (m?.[1] && m[1] !== '-') current.ssrcMsid ??= { streamId: m[1], trackId: m[2] ?? '' };
    }
  }
  finish();
  return out;
}
