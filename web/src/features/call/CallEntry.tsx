import { displayName, type GroupDetail } from '../../api';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { Spinner } from '../../components/Spinner';
import { useCallInfo, useCallSnapshot, useCalls } from './CallContext';
import { PhoneIcon, VideoIcon } from './icons';
import './Call.css';

/** Whether I am in this group's call now (not ended). */
function useInThisCall(groupId: string): boolean {
  const calls = useCalls();
  const mine = calls?.session?.groupId === groupId ? calls.session : null;
  const snap = useCallSnapshot(mine);
  return snap !== null && snap.ended === null;
}

/**
 * The call buttons of a group's header: start (or join) a call with audio
 * only or with video. None while I am in this group's call (its bar has the
 * controls); starting another group's call leaves mine.
 */
export function CallButtons({ group }: { group: GroupDetail }) {
  const calls = useCalls();
  const info = useCallInfo(group.id);
  const inCall = useInThisCall(group.id);
  if (!calls || inCall) return null;
  const busy = calls.starting === group.id;
  const active = info?.active === true;
  const audioLabel = active ? 'Join the call with audio only' : 'Start an audio call';
  const videoLabel = active ? 'Join the call with video' : 'Start a video call';
  return (
    <>
      <button type="button" className="icon-button" aria-label={audioLabel} title={audioLabel} disabled={busy} onClick={() => void calls.start(group, false)}>
        {busy ? <Spinner /> : <PhoneIcon size={18} />}
      </button>
      <button type="button" className="icon-button" aria-label={videoLabel} title={videoLabel} disabled={busy} onClick={() => void calls.start(group, true)}>
        <VideoIcon size={18} />
      </button>
    </>
  );
}

/**
 * A banner at the top of the conversation while the group's call is on:
 * who is in it (avatars) and buttons to join. Hidden when there is no call
 * or I am in it.
 */
export function CallBanner({ group }: { group: GroupDetail }) {
  const calls = useCalls();
  const info = useCallInfo(group.id);
  const inCall = useInThisCall(group.id);
  if (!calls || !info?.active || inCall) return null;
  const members = new Map(group.members.map((m) => [m.userId, m]));
  const people = info.participants.map((id) => members.get(id)).filter((m) => m !== undefined);
  const names = people.map((m) => displayName(m));
  const who =
    names.length === 0 ? 'Someone is in the call' : names.length <= 2 ? `${names.join(' and ')} ${names.length === 1 ? 'is' : 'are'} in the call` : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more are in the call`;
  const busy = calls.starting === group.id;
  return (
    <div className="call-banner" role="region" aria-label="Call in progress">
      <span className="call-banner-pulse" aria-hidden="true" />
      <div className="call-banner-avatars" aria-hidden="true">
        {people.slice(0, 4).map((m) => (
          <Avatar key={m.userId} name={displayName(m)} colorKey={m.username} src={m.pictureUrl} size="sm" />
        ))}
        {people.length > 4 && <span className="call-banner-more">+{people.length - 4}</span>}
      </div>
      <p className="call-banner-text">
        <strong>Call in progress</strong>
        <span>{who}</span>
      </p>
      <div className="call-banner-actions">
        <Button variant="secondary" size="sm" busy={busy} onClick={() => void calls.start(group, false)} aria-label="Join the call with audio only">
          <PhoneIcon size={16} />
          Join
        </Button>
        <Button variant="primary" size="sm" disabled={busy} onClick={() => void calls.start(group, true)} aria-label="Join the call with video">
          <VideoIcon size={16} />
          <span className="call-banner-video-text">Join with video</span>
        </Button>
      </div>
    </div>
  );
}
