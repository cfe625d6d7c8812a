import { useCallback, useEffect, useState } from 'react';
import { getGroup, handle, isApiError, type GroupDetail } from '../../api';
import { Link } from '../../app/router';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { Spinner } from '../../components/Spinner';
import { useSession } from '../../session/SessionContext';
import { CallButtons } from '../call/CallEntry';
import { AddMemberDialog } from './AddMemberDialog';
import { directName, isDirect, peerOf } from './direct';
import { GroupBody } from './GroupBody';
import { GroupSettingsDialog } from './GroupSettingsDialog';
import { useGroups } from './GroupsContext';
import { BackIcon, GearIcon, UserPlusIcon, UsersIcon } from './icons';
import { MembersDialog } from './MembersDialog';
import { NotifyLevelPicker } from '../notify/NotifyLevelPicker';
import { WithPresence } from '../chat/PresenceDot';
import { groupActions } from './rights';

type Load =
  | { kind: 'loading' }
  | { kind: 'ready'; group: GroupDetail }
  | { kind: 'gone' }
  | { kind: 'failed'; message: string };

type Open = 'none' | 'members' | 'settings' | 'add';

/**
 * One group: the header (picture, name, member count, members and settings
 * buttons) and the body, where the conversation goes. The group is refetched
 * whenever the groups list refreshes (focus, polling, after a change), so
 * what others change shows up without a reload.
 */
export function GroupView({ groupId }: { groupId: string }) {
  const session = useSession();
  const { tick, refresh, notePeer } = useGroups();
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [open, setOpen] = useState<Open>('none');

  useEffect(() => {
    const ctrl = new AbortController();
    getGroup(session.api, groupId, ctrl.signal).then(
      (group) => setLoad({ kind: 'ready', group }),
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        if (isApiError(err, 'not_found')) setLoad({ kind: 'gone' });
        else setLoad((old) => (old.kind === 'ready' ? old : { kind: 'failed', message: isApiError(err) ? err.message : 'Could not load the group.' }));
      },
    );
    return () => ctrl.abort();
  }, [session, groupId, tick]);

  const changed = useCallback(() => void refresh(), [refresh]);

  // Opening a direct conversation refreshes the sidebar's name and picture of the other person.
  useEffect(() => {
    if (load.kind === 'ready' && isDirect(load.group)) notePeer(load.group.id, peerOf(load.group.members, load.group.me.userId));
  }, [load, notePeer]);
  const close = useCallback(() => setOpen('none'), []);

  if (load.kind === 'loading') {
    return (
      <div className="groupview-state" aria-busy="true">
        <Spinner />
      </div>
    );
  }
  if (load.kind === 'gone' || load.kind === 'failed') {
    return (
      <section className="groupview-state" aria-labelledby="group-gone-title">
        <span className="empty-icon" aria-hidden="true">
          <UsersIcon size={26} />
        </span>
        <h1 id="group-gone-title" className="empty-title">
          {load.kind === 'gone' ? 'This group is not available' : 'Could not load this group'}
        </h1>
        <p className="empty-text">
          {load.kind === 'gone'
            ? 'It was deleted, or you are no longer a member.'
            : load.message}
        </p>
        <Link to="/" className="btn btn-secondary btn-md">
          Back to your groups
        </Link>
      </section>
    );
  }

  const { group: loaded } = load;
  const direct = isDirect(loaded);
  const peer = direct ? peerOf(loaded.members, loaded.me.userId) : null;
  // A direct conversation is named after the other person, everywhere below too.
  const group: GroupDetail = direct ? { ...loaded, name: directName(peer) } : loaded;
  const can = direct ? { edit: false, delete: false, invite: false } : groupActions(group.me);
  return (
    <section className="groupview" aria-labelledby="group-title">
      <header className="groupview-header">
        <Link to="/" className="icon-button groupview-back" aria-label="Back to groups" title="Back to groups">
          <BackIcon />
        </Link>
        {direct && peer ? (
          <WithPresence userId={peer.userId}>
            <Avatar name={group.name} colorKey={peer.username} src={peer.pictureUrl} size="md" />
          </WithPresence>
        ) : direct ? (
          <Avatar name={group.name} size="md" />
        ) : (
          <Avatar name={group.name} src={group.pictureUrl} size="md" alt={group.pictureUrl ? `Picture of ${group.name}` : ''} />
        )}
        <div className="groupview-heading">
          <h1 id="group-title" className="groupview-title">
            {group.name}
          </h1>
          {direct ? (
            <span className="groupview-sub">
              {peer === null ? 'Left the conversation' : (handle(peer) ?? 'Direct message')}
            </span>
          ) : (
            <button type="button" className="groupview-count" onClick={() => setOpen('members')}>
              {group.memberCount} {group.memberCount === 1 ? 'member' : 'members'}
            </button>
          )}
        </div>
        <div className="groupview-actions">
          <NotifyLevelPicker groupId={group.id} />
          <CallButtons group={group} />
          {can.invite && (
            <Button variant="secondary" size="sm" onClick={() => setOpen('add')}>
              <UserPlusIcon />
              Add people
            </Button>
          )}
          {!direct && (
            <button type="button" className="icon-button groupview-members" aria-label="Members" title="Members" onClick={() => setOpen('members')}>
              <UsersIcon />
            </button>
          )}
          {can.edit && (
            <button type="button" className="icon-button" aria-label="Group settings" title="Group settings" onClick={() => setOpen('settings')}>
              <GearIcon />
            </button>
          )}
        </div>
      </header>
      <GroupBody group={group} />
      {open === 'members' && (
        <MembersDialog group={group} onClose={close} onChanged={changed} onAdd={can.invite ? () => setOpen('add') : undefined} />
      )}
      {open === 'settings' && <GroupSettingsDialog group={group} onClose={close} onChanged={changed} />}
      {open === 'add' && <AddMemberDialog group={group} onClose={close} onChanged={changed} />}
    </section>
  );
}
