import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { displayName, type GroupDetail } from '../../api';
import { Button } from '../../components/Button';
import { mayMuteInCall } from '../groups/rights';
import { useCallSnapshot, useCalls, type CallData } from './CallContext';
import { CallControls } from './Controls';
import { CallGrid } from './Grid';
import { ExpandIcon, MicIcon, MicOffIcon, MinimizeIcon, PhoneIcon, PhoneOffIcon } from './icons';
import { AudioLevels } from './levels';
import { CallAudio } from './Media';
import type { CallSession, CallSnapshot } from './session';
import { CallTile, type TileActions } from './Tile';
import type { Tile } from './tiles';
import './Call.css';

/** Which tiles are speaking now (WebAudio levels of their audio tracks). */
function useSpeaking(tiles: readonly Tile[]): ReadonlySet<string> {
  const [levels] = useState(() => new AudioLevels());
  useEffect(() => () => levels.close(), [levels]);
  useEffect(() => {
    const tracks = new Map<string, MediaStreamTrack>();
    for (const t of tiles) if (t.audio) tracks.set(t.key, t.audio);
    levels.set(tracks);
  }, [levels, tiles]);
  return useSyncExternalStore(levels.subscribe, levels.getSpeaking);
}

/** Ctrl/⌘+D toggles the microphone, Ctrl/⌘+E the camera, anywhere in the app while in a call. */
function useShortcuts(call: CallSession, snap: CallSnapshot): void {
  const ref = useRef(snap);
  useEffect(() => {
    ref.current = snap;
  }, [snap]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const key = e.key.toLowerCase();
      if (key !== 'd' && key !== 'e') return;
      const s = ref.current;
      if (s.phase === 'ended') return;
      e.preventDefault();
      if (key === 'd') call.setMicrophone(!s.local.audio.on);
      else call.setCamera(!s.local.video.on);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [call]);
}

function statusText(snap: CallSnapshot): string {
  switch (snap.phase) {
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'ended':
      return 'Call ended';
    case 'joined': {
      const n = snap.participants.length;
      return n === 1 ? 'Only you so far' : `${n} in the call`;
    }
  }
}

function CallView({ calls, call, snap, group }: { calls: CallData; call: CallSession; snap: CallSnapshot; group: GroupDetail | null }) {
  const speaking = useSpeaking(snap.tiles);
  const members = useMemo(() => new Map((group?.members ?? []).map((m) => [m.userId, m])), [group]);
  const actions = useMemo<TileActions>(
    () => ({
      muteForMe: (p, k, m) => call.muteForMe(p, k, m),
      moderate: (p, k, m) => call.moderate(p, k, m),
      view: (p, w, h) => call.setView(p, w, h),
    }),
    [call],
  );
  // "Muted by …" and the notices name people as the rest of the view does.
  useEffect(() => {
    call.setNames((userId) => {
      const m = members.get(userId);
      return m ? displayName(m) : null;
    });
  }, [call, members]);
  // Notices go away by themselves after a while.
  const noticeId = snap.notice?.id;
  useEffect(() => {
    if (noticeId === undefined) return undefined;
    const t = setTimeout(() => call.dismissNotice(), 8_000);
    return () => clearTimeout(t);
  }, [call, noticeId]);
  const screens = snap.tiles.filter((t) => t.source === 'screen');
  const cameras = snap.tiles.filter((t) => t.source === 'camera');
  // Participants carry usernames: people are shown by their member's display name.
  const shown = (userId: string, username: string) => {
    const m = members.get(userId);
    return m ? displayName(m) : username;
  };
  const participants = snap.participants.map((p) => ({ ...p, username: shown(p.userId, p.username) }));
  const tile = (t: Tile) => (
    <CallTile
      key={t.key}
      tile={{ ...t, username: shown(t.userId, t.username) }}
      participants={participants}
      selfId={snap.selfId}
      speaking={speaking.has(t.key)}
      activeSpeaker={t.source === 'camera' && t.participantId === snap.speaker}
      member={members.get(t.userId) ?? null}
      canModerate={group !== null && mayMuteInCall(group.me, members.get(t.userId) ?? null, t.userId)}
      actions={actions}
    />
  );
  const name = group?.name ?? 'Call';
  return (
    <section className="call" aria-labelledby="call-title" data-phase={snap.phase}>
      <header className="call-head">
        <span className="call-live" aria-hidden="true" />
        <div className="call-heading">
          <h2 id="call-title" className="call-title">
            {name}
          </h2>
          <p className={`call-status call-status-${snap.phase}`} role="status">
            {statusText(snap)}
          </p>
        </div>
        <button type="button" className="call-head-button" onClick={() => calls.setExpanded(false)} aria-label="Show the chat (the call goes on)">
          <MinimizeIcon size={18} />
          <span>Show chat</span>
        </button>
      </header>
      {snap.notice && (
        <div className="call-notice" role="status">
          <span>{snap.notice.text}</span>
          <button type="button" className="call-notice-close" aria-label="Dismiss" onClick={() => call.dismissNotice()}>
            ×
          </button>
        </div>
      )}
      <div className={screens.length > 0 ? 'call-stage call-stage-screen' : 'call-stage'}>
        {screens.length > 0 && (
          <ul className="call-screens" aria-label="Screen shares">
            {screens.map(tile)}
          </ul>
        )}
        <CallGrid tiles={cameras} speaker={snap.speaker} selfKey={snap.selfId} strip={screens.length > 0} render={tile} />
      </div>
      <CallControls call={call} snap={snap} onLeave={calls.leave} />
    </section>
  );
}

function CallEnded({ calls, snap, group }: { calls: CallData; snap: CallSnapshot; group: GroupDetail | null }) {
  const ended = snap.ended;
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => card.current?.querySelector<HTMLButtonElement>('button')?.focus(), []);
  if (!ended) return null;
  const title = ended.reason === 'full' ? 'The call is full' : ended.reason === 'removed' ? 'You left this group' : 'Call ended';
  const retry = group !== null && (ended.reason === 'failed' || ended.reason === 'full' || ended.reason === 'unavailable');
  return (
    <section className="call call-ended" aria-labelledby="call-ended-title">
      <div ref={card} className="call-ended-card">
        <span className="call-ended-icon" aria-hidden="true">
          <PhoneOffIcon size={26} />
        </span>
        <h2 id="call-ended-title" className="call-ended-title">
          {title}
        </h2>
        <p className="call-ended-text" role="alert">
          {ended.message}
        </p>
        <div className="call-ended-actions">
          <Button variant="secondary" onClick={calls.dismiss}>
            Back to the chat
          </Button>
          {retry && (
            <Button variant="primary" onClick={() => void calls.start(group, false)}>
              <PhoneIcon size={16} />
              Try again
            </Button>
          )}
        </div>
      </div>
    </section>
  );
}

function CallBar({ calls, call, snap, group }: { calls: CallData; call: CallSession; snap: CallSnapshot; group: GroupDetail | null }) {
  const a = snap.local.audio;
  return (
    <div className="callbar" role="region" aria-label="Your call">
      <span className={`callbar-dot callbar-dot-${snap.phase}`} aria-hidden="true" />
      <p className="callbar-text">
        <strong>{group?.name ?? 'Call'}</strong>
        <span className="callbar-status">{statusText(snap)}</span>
      </p>
      <button
        type="button"
        className={a.on ? 'callbar-button' : 'callbar-button callbar-off'}
        aria-label={a.moderatedBy ? `Microphone muted by ${a.moderatedBy}` : a.on ? 'Turn off microphone' : 'Turn on microphone'}
        aria-disabled={a.moderatedBy !== null || undefined}
        onClick={() => {
          if (a.moderatedBy === null) call.setMicrophone(!a.on);
        }}
      >
        {a.on ? <MicIcon size={18} /> : <MicOffIcon size={18} />}
      </button>
      <Button variant="primary" size="sm" onClick={() => calls.setExpanded(true)}>
        <ExpandIcon size={16} />
        Open call
      </Button>
      <button type="button" className="callbar-button callbar-leave" aria-label="Leave call" onClick={calls.leave}>
        <PhoneOffIcon size={18} />
      </button>
    </div>
  );
}

function Docked({ calls, call }: { calls: CallData; call: CallSession }) {
  const snap = useCallSnapshot(call);
  if (!snap) return null;
  return <DockedCall calls={calls} call={call} snap={snap} />;
}

function DockedCall({ calls, call, snap }: { calls: CallData; call: CallSession; snap: CallSnapshot }) {
  useShortcuts(call, snap);
  const group = calls.group?.id === call.groupId ? calls.group : null;
  if (snap.ended) {
    return snap.ended.reason === 'left' ? null : <CallEnded calls={calls} snap={snap} group={group} />;
  }
  return (
    <>
      <CallAudio audio={snap.remoteAudio} />
      {calls.expanded ? <CallView calls={calls} call={call} snap={snap} group={group} /> : <CallBar calls={calls} call={call} snap={snap} group={group} />}
    </>
  );
}

/**
 * Where my call shows in the app's main area: the call view (expanded), a
 * bar above the chat (collapsed), or why it ended. Renders nothing without
 * a call.
 */
export function CallDock() {
  const calls = useCalls();
  if (!calls?.session) return null;
  return <Docked key={calls.session.id} calls={calls} call={calls.session} />;
}
