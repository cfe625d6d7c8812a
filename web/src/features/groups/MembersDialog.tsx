import { useEffect, useState } from 'react';
import {
  displayName,
  handle,
  isApiError,
  removeMember,
  transferOwnership,
  updateMember,
  type GroupDetail,
  type Member,
  type MemberPatch,
  type RightName,
  type Role,
} from '../../api';
import { navigate } from '../../app/router';
import { Alert } from '../../components/Alert';
import { Avatar } from '../../components/Avatar';
import { Button } from '../../components/Button';
import { Modal } from '../../components/Modal';
import { useSession } from '../../session/SessionContext';
import { UserPlusIcon } from './icons';
import { useStartDirect } from './useStartDirect';
import { WithPresence } from '../chat/PresenceDot';
import { allowedActions, rightLabels, rightNames, type MemberActions } from './rights';
import './Members.css';

const roleOrder: Readonly<Record<Role, number>> = { creator: 0, admin: 1, member: 2 };
const roleLabels: Readonly<Record<Role, string>> = { creator: 'Creator', admin: 'Admin', member: 'Member' };

/** Creator first, then admins, then members; by name within each. */
export function sortMembers(members: readonly Member[]): Member[] {
  return [...members].sort(
    (a, b) => roleOrder[a.role] - roleOrder[b.role] || displayName(a).localeCompare(displayName(b)),
  );
}

function errorText(err: unknown, fallback: string): string {
  if (isApiError(err, 'forbidden')) return 'You may not do that in this group any more.';
  if (isApiError(err, 'not_found')) return 'That member is no longer in the group.';
  return isApiError(err) ? err.message : fallback;
}

export function RoleBadge({ role }: { role: Role }) {
  return <span className={`role-badge role-${role}`}>{roleLabels[role]}</span>;
}

type Confirm = { kind: 'remove' | 'transfer'; member: Member } | { kind: 'leave' } | null;

export interface MembersDialogProps {
  group: GroupDetail;
  onClose: () => void;
  /** Called after any change, so the caller refetches. */
  onChanged: () => void;
  /** Opens the add-member dialog; absent when I may not invite. */
  onAdd?: (() => void) | undefined;
}

/**
 * The members of a group with their role and rights. Every control follows
 * ARCHITECTURE.md §6 through allowedActions: a member sees only the changes
 * the server would accept from them.
 */
export function MembersDialog({ group, onClose, onChanged, onAdd }: MembersDialogProps) {
  const session = useSession();
  const [patched, setPatched] = useState<Readonly<Record<string, Member>>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ tone: 'error' | 'success'; text: string } | null>(null);
  const direct = useStartDirect();

  // Fresh data from the server replaces local edits.
  useEffect(() => setPatched({}), [group]);

  const members = sortMembers(group.members.map((m) => patched[m.userId] ?? m));
  const me = members.find((m) => m.userId === group.me.userId) ?? group.me;

  async function run(key: string, action: () => Promise<void>, fallback: string) {
    setBusy(key);
    setNotice(null);
    try {
      await action();
      onChanged();
    } catch (err) {
      setNotice({ tone: 'error', text: errorText(err, fallback) });
      onChanged();
    } finally {
      setBusy(null);
    }
  }

  function patch(m: Member, body: MemberPatch, key: string) {
    return run(
      key,
      async () => {
        const updated = await updateMember(session.api, group.id, m.userId, body);
        setPatched((p) => ({ ...p, [m.userId]: updated }));
      },
      'Could not change this member.',
    );
  }

  function remove(m: Member) {
    return run(
      `remove:${m.userId}`,
      async () => {
        await removeMember(session.api, group.id, m.userId);
        setConfirm(null);
        setNotice({ tone: 'success', text: `${displayName(m)} was removed from the group.` });
      },
      'Could not remove this member.',
    );
  }

  function leave() {
    return run(
      'leave',
      async () => {
        await removeMember(session.api, group.id, me.userId);
        onClose();
        navigate('/');
      },
      'Could not leave the group.',
    );
  }

  function transfer(m: Member) {
    return run(
      `transfer:${m.userId}`,
      async () => {
        await transferOwnership(session.api, group.id, m.userId);
        setConfirm(null);
        setEditing(null);
        setNotice({ tone: 'success', text: `${displayName(m)} now owns the group. You are an admin.` });
      },
      'Could not transfer ownership.',
    );
  }

  const mine = allowedActions(me, me);

  async function message(m: Member) {
    const conversation = await direct.run(m.userId);
    if (conversation) {
      onClose();
      navigate(`/g/${conversation.id}`);
    }
  }

  return (
    <Modal
      title="Members"
      description={`${group.memberCount} ${group.memberCount === 1 ? 'member' : 'members'} of ${group.name}`}
      onClose={onClose}
      className="members-modal"
      footer={
        <>
          {mine.leave && (
            <Button variant="danger" className="members-leave" onClick={() => setConfirm({ kind: 'leave' })}>
              Leave group
            </Button>
          )}
          {onAdd && (
            <Button variant="secondary" onClick={onAdd}>
              <UserPlusIcon />
              Add people
            </Button>
          )}
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        </>
      }
    >
      {notice && <Alert tone={notice.tone}>{notice.text}</Alert>}
      {direct.error && <Alert tone="error">{direct.error}</Alert>}
      {confirm?.kind === 'leave' && (
        <div className="confirm" role="group" aria-label="Confirm leaving">
          <p className="confirm-text">
            Leave <strong>{group.name}</strong>? You will need a new invite to come back.
          </p>
          <div className="confirm-actions">
            <Button variant="quiet" size="sm" onClick={() => setConfirm(null)}>
              Stay
            </Button>
            <Button variant="danger" size="sm" busy={busy === 'leave'} onClick={() => void leave()}>
              Leave group
            </Button>
          </div>
        </div>
      )}
      <ul className="memberlist" aria-label="Members">
        {members.map((m) => {
          const a = allowedActions(me, m);
          const isMe = m.userId === me.userId;
          const held = m.role === 'member' ? rightNames.filter((r) => m.rights[r]) : [];
          const manageable = a.editRights.length > 0 || a.grantAdmin || a.revokeAdmin || a.transfer;
          return (
            <li key={m.userId} className="member" aria-label={displayName(m)}>
              <div className="member-row">
                <WithPresence userId={m.userId}>
                  <Avatar name={displayName(m)} colorKey={m.username} src={m.pictureUrl} size="md" />
                </WithPresence>
                <div className="member-main">
                  <span className="member-name">
                    {displayName(m)}
                    {isMe && <span className="member-you"> (you)</span>}
                    <RoleBadge role={m.role} />
                  </span>
                  {handle(m) && <span className="member-handle">{handle(m)}</span>}
                  {held.length > 0 && (
                    <span className="chips" aria-label="Rights held">
                      {held.map((r) => (
                        <span key={r} className="chip">
                          {rightLabels[r]}
                        </span>
                      ))}
                    </span>
                  )}
                </div>
                <div className="member-actions">
                  {!isMe && (
                    <Button
                      variant="quiet"
                      size="sm"
                      aria-label={`Message ${displayName(m)}`}
                      busy={direct.busy === m.userId}
                      onClick={() => void message(m)}
                    >
                      Message
                    </Button>
                  )}
                  {manageable && (
                    <Button
                      variant="quiet"
                      size="sm"
                      aria-expanded={editing === m.userId}
                      aria-label={`Manage ${displayName(m)}`}
                      onClick={() => setEditing(editing === m.userId ? null : m.userId)}
                    >
                      Manage
                    </Button>
                  )}
                  {a.remove && (
                    <Button
                      variant="quiet"
                      size="sm"
                      className="member-remove"
                      aria-label={`Remove ${displayName(m)}`}
                      onClick={() => setConfirm({ kind: 'remove', member: m })}
                    >
                      Remove
                    </Button>
                  )}
                </div>
              </div>
              {confirm && confirm.kind !== 'leave' && confirm.member.userId === m.userId && (
                <div className="confirm" role="group" aria-label={`Confirm for ${displayName(m)}`}>
                  <p className="confirm-text">
                    {confirm.kind === 'remove' ? (
                      <>Remove <strong>{displayName(m)}</strong> from {group.name}?</>
                    ) : (
                      <>Make <strong>{displayName(m)}</strong> the owner of {group.name}? You become an admin, and only they can undo it.</>
                    )}
                  </p>
                  <div className="confirm-actions">
                    <Button variant="quiet" size="sm" onClick={() => setConfirm(null)}>
                      Cancel
                    </Button>
                    {confirm.kind === 'remove' ? (
                      <Button variant="danger" size="sm" busy={busy === `remove:${m.userId}`} onClick={() => void remove(m)}>
                        Remove {displayName(m)} from the group
                      </Button>
                    ) : (
                      <Button variant="danger" size="sm" busy={busy === `transfer:${m.userId}`} onClick={() => void transfer(m)}>
                        Transfer ownership
                      </Button>
                    )}
                  </div>
                </div>
              )}
              {editing === m.userId && manageable && (
                <RightsEditor
                  member={m}
                  actions={a}
                  busy={busy}
                  onToggle={(r, on) => void patch(m, { rights: { [r]: on } }, `right:${m.userId}:${r}`)}
                  onRole={(role) => void patch(m, { role }, `role:${m.userId}`)}
                  onTransfer={() => setConfirm({ kind: 'transfer', member: m })}
                />
              )}
            </li>
          );
        })}
      </ul>
    </Modal>
  );
}

interface RightsEditorProps {
  member: Member;
  actions: MemberActions;
  busy: string | null;
  onToggle: (right: RightName, on: boolean) => void;
  onRole: (role: 'admin' | 'member') => void;
  onTransfer: () => void;
}

/** The changes I may make to one member: only the §6 cells that allow them. */
function RightsEditor({ member, actions, busy, onToggle, onRole, onTransfer }: RightsEditorProps) {
  return (
    <div className="rights" role="group" aria-label={`Rights of ${displayName(member)}`}>
      {actions.editRights.length > 0 && (
        <div className="rights-toggles">
          {actions.editRights.map((r) => (
            <label key={r} className="toggle">
              <input
                type="checkbox"
                role="switch"
                checked={member.rights[r]}
                disabled={busy === `right:${member.userId}:${r}`}
                onChange={(e) => onToggle(r, e.target.checked)}
              />
              <span className="toggle-track" aria-hidden="true" />
              <span className="toggle-label">{rightLabels[r]}</span>
            </label>
          ))}
        </div>
      )}
      {(actions.grantAdmin || actions.revokeAdmin || actions.transfer) && (
        <div className="rights-roles">
          {actions.grantAdmin && (
            <Button size="sm" busy={busy === `role:${member.userId}`} onClick={() => onRole('admin')}>
              Make admin
            </Button>
          )}
          {actions.revokeAdmin && (
            <Button size="sm" busy={busy === `role:${member.userId}`} onClick={() => onRole('member')}>
              Remove admin
            </Button>
          )}
          {actions.transfer && (
            <Button size="sm" variant="quiet" onClick={onTransfer}>
              Transfer ownership…
            </Button>
          )}
        </div>
      )}
    </div>
  );
}
