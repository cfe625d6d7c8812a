/**
 * The rights table of ARCHITECTURE.md §6, mirrored for the UI: what the
 * signed-in member may do to a group and to each other member. The server
 * checks every rule again; the UI uses these only to hide what the server
 * would refuse.
 */
import type { Invite, Member, RightName, Rights } from '../../api/types';

export const rightNames: readonly RightName[] = ['addMembers', 'removeMembers', 'deleteMessages', 'muteMembers'];

export const rightLabels: Readonly<Record<RightName, string>> = {
  addMembers: 'Add members',
  removeMembers: 'Remove members',
  deleteMessages: 'Delete messages',
  muteMembers: 'Mute in calls',
};

/** The part of a membership the rules look at. */
export type Who = Pick<Member, 'userId' | 'role' | 'rights'>;

/** What `me` may do to `target` (another member, or myself). */
export interface MemberActions {
  /** Remove target from the group (never myself: that is `leave`). */
  remove: boolean;
  /** Leave the group: target is me and I am not the creator. */
  leave: boolean;
  /** The rights of target I may switch on or off; empty when none. */
  editRights: readonly RightName[];
  /** Make a plain member an admin. */
  grantAdmin: boolean;
  /** Make an admin a plain member again. */
  revokeAdmin: boolean;
  /** Hand the group over to target; I become an admin. */
  transfer: boolean;
}

const none: MemberActions = {
  remove: false,
  leave: false,
  editRights: [],
  grantAdmin: false,
  revokeAdmin: false,
  transfer: false,
};

function holdsAnyRight(rights: Rights): boolean {
  return rightNames.some((r) => rights[r]);
}

/** The §6 cells for one pair of members. */
export function allowedActions(me: Who, target: Who): MemberActions {
  if (me.userId === target.userId) return { ...none, leave: me.role !== 'creator' };
  switch (me.role) {
    case 'creator':
      return {
        remove: true,
        leave: false,
        // Admins hold every right; only a plain member's rights can change.
        editRights: target.role === 'member' ? rightNames : [],
        grantAdmin: target.role === 'member',
        revokeAdmin: target.role === 'admin',
        transfer: true,
      };
    case 'admin': {
      const plain = target.role === 'member';
      return { ...none, remove: plain, editRights: plain ? rightNames : [] };
    }
    case 'member':
      return {
        ...none,
        remove: me.rights.removeMembers && target.role === 'member' && !holdsAnyRight(target.rights),
      };
  }
}

/** What `me` may do to the group itself. */
export interface GroupActions {
  /** Rename, set or delete the picture. */
  edit: boolean;
  delete: boolean;
  invite: boolean;
}

export function groupActions(me: Who): GroupActions {
  const manager = me.role === 'creator' || me.role === 'admin';
  return {
    edit: manager,
    delete: me.role === 'creator',
    invite: manager || me.rights.addMembers,
  };
}

/** Whether `me` may cancel a pending invite of the group: creator, admin or its inviter. */
export function mayCancelInvite(me: Who, invite: Pick<Invite, 'inviter'>): boolean {
  return me.role === 'creator' || me.role === 'admin' || invite.inviter.id === me.userId;
}

/** Whether `me` may see the group's settings (anything to change at all). */
export function hasAnyMemberAction(a: MemberActions): boolean {
  return a.remove || a.leave || a.editRights.length > 0 || a.grantAdmin || a.revokeAdmin || a.transfer;
}

/**
 * Whether `me` may delete a message of `author` for everyone: my own, or
 * the §6 row. An author who left the group (null) counts as a plain member.
 */
export function mayDeleteMessage(me: Who, authorId: string, author: Pick<Member, 'role'> | null): boolean {
  if (authorId === me.userId) return true;
  const role = author?.role ?? 'member';
  switch (me.role) {
    case 'creator':
      return true;
    case 'admin':
      return role !== 'creator';
    case 'member':
      return me.rights.deleteMessages && role === 'member';
  }
}

/**
 * Whether `me` may mute `target` for everyone in a call (§6 "mute X for
 * everyone in a call"): the creator anyone, an admin anyone but the
 * creator, a member with `muteMembers` only plain members; never oneself
 * (that is one's own mute). A target who is no longer a member counts as a
 * plain member.
 */
export function mayMuteInCall(me: Who, target: Pick<Member, 'userId' | 'role'> | null, targetUserId: string): boolean {
  if (targetUserId === me.userId) return false;
  const role = target?.role ?? 'member';
  switch (me.role) {
    case 'creator':
      return true;
    case 'admin':
      return role !== 'creator';
    case 'member':
      return me.rights.muteMembers && role === 'member';
  }
}
