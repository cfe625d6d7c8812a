import { describe, expect, it } from 'vitest';
import type { Rights } from '../../api/types';
import { allowedActions, groupActions, mayCancelInvite, mayMuteInCall, rightNames, type Who } from './rights';

const noRights: Rights = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const allRights: Rights = { addMembers: true, removeMembers: true, deleteMessages: true, muteMembers: true };

const creator: Who = { userId: 'c', role: 'creator', rights: allRights };
const admin: Who = { userId: 'a', role: 'admin', rights: allRights };
const remover: Who = { userId: 'r', role: 'member', rights: { ...noRights, removeMembers: true } };
const adder: Who = { userId: 'd', role: 'member', rights: { ...noRights, addMembers: true } };
const plain: Who = { userId: 'p', role: 'member', rights: noRights };
const plain2: Who = { userId: 'q', role: 'member', rights: noRights };
const admin2: Who = { userId: 'a2', role: 'admin', rights: allRights };

type Cell = [string, Who, Who, { remove: boolean; leave: boolean; rights: boolean; grant: boolean; revoke: boolean; transfer: boolean }];

const F = false;
const T = true;
const cell = (remove: boolean, leave: boolean, rights: boolean, grant: boolean, revoke: boolean, transfer: boolean) => ({
  remove, leave, rights, grant, revoke, transfer,
});

// ARCHITECTURE.md §6, "remove member X", "change X's rights", "grant / revoke
// admin, transfer ownership" and leaving, for every kind of actor and target.
const table: Cell[] = [
  ['creator → self', creator, creator, cell(F, F, F, F, F, F)],
  ['creator → admin', creator, admin, cell(T, F, F, F, T, T)],
  ['creator → member with rights', creator, remover, cell(T, F, T, T, F, T)],
  ['creator → plain member', creator, plain, cell(T, F, T, T, F, T)],
  ['admin → self', admin, admin, cell(F, T, F, F, F, F)],
  ['admin → creator', admin, creator, cell(F, F, F, F, F, F)],
  ['admin → other admin', admin, admin2, cell(F, F, F, F, F, F)],
  ['admin → member with rights', admin, remover, cell(T, F, T, F, F, F)],
  ['admin → plain member', admin, plain, cell(T, F, T, F, F, F)],
  ['removeMembers → self', remover, remover, cell(F, T, F, F, F, F)],
  ['removeMembers → creator', remover, creator, cell(F, F, F, F, F, F)],
  ['removeMembers → admin', remover, admin, cell(F, F, F, F, F, F)],
  ['removeMembers → member with rights', remover, adder, cell(F, F, F, F, F, F)],
  ['removeMembers → plain member', remover, plain, cell(T, F, F, F, F, F)],
  ['addMembers → plain member', adder, plain, cell(F, F, F, F, F, F)],
  ['addMembers → creator', adder, creator, cell(F, F, F, F, F, F)],
  ['plain → self', plain, plain, cell(F, T, F, F, F, F)],
  ['plain → creator', plain, creator, cell(F, F, F, F, F, F)],
  ['plain → admin', plain, admin, cell(F, F, F, F, F, F)],
  ['plain → member with rights', plain, remover, cell(F, F, F, F, F, F)],
  ['plain → plain member', plain, plain2, cell(F, F, F, F, F, F)],
];

describe('allowedActions', () => {
  it.each(table)('%s', (_name, me, target, want) => {
    const got = allowedActions(me, target);
    expect({
      remove: got.remove,
      leave: got.leave,
      rights: got.editRights.length > 0,
      grant: got.grantAdmin,
      revoke: got.revokeAdmin,
      transfer: got.transfer,
    }).toEqual(want);
    if (got.editRights.length > 0) expect(got.editRights).toEqual(rightNames);
  });
});

describe('groupActions', () => {
  it.each([
    ['creator', creator, { edit: T, delete: T, invite: T }],
    ['admin', admin, { edit: T, delete: F, invite: T }],
    ['member with addMembers', adder, { edit: F, delete: F, invite: T }],
    ['member with removeMembers only', remover, { edit: F, delete: F, invite: F }],
    ['plain member', plain, { edit: F, delete: F, invite: F }],
  ] as const)('%s', (_name, me, want) => {
    expect(groupActions(me)).toEqual(want);
  });
});

describe('mayCancelInvite', () => {
  const by = (id: string) => ({ inviter: { id, username: id, pictureUrl: null } });
  it('lets the creator and admins cancel any invite, others only their own', () => {
    expect(mayCancelInvite(creator, by('x'))).toBe(true);
    expect(mayCancelInvite(admin, by('x'))).toBe(true);
    expect(mayCancelInvite(adder, by('d'))).toBe(true);
    expect(mayCancelInvite(adder, by('x'))).toBe(false);
    expect(mayCancelInvite(plain, by('x'))).toBe(false);
  });
});

describe('mayMuteInCall', () => {
  const muter: Who = { userId: 'm', role: 'member', rights: { ...noRights, muteMembers: true } };
  // §6 "mute X for everyone in a call", every actor on every kind of target.
  it.each([
    ['creator → admin', creator, admin, T],
    ['creator → plain member', creator, plain, T],
    ['creator → self', creator, creator, F],
    ['admin → creator', admin, creator, F],
    ['admin → other admin', admin, admin2, T],
    ['admin → plain member', admin, plain, T],
    ['admin → self', admin, admin, F],
    ['muteMembers → creator', muter, creator, F],
    ['muteMembers → admin', muter, admin, F],
    ['muteMembers → member with other rights', muter, remover, T],
    ['muteMembers → plain member', muter, plain, T],
    ['muteMembers → self', muter, muter, F],
    ['member with other rights → plain member', remover, plain, F],
    ['plain → plain member', plain, plain2, F],
    ['plain → creator', plain, creator, F],
  ] as const)('%s', (_name, me, target, want) => {
    expect(mayMuteInCall(me, target, target.userId)).toBe(want);
  });

  it('treats someone who is no longer a member as a plain member', () => {
    expect(mayMuteInCall(admin, null, 'gone')).toBe(true);
    const muter2: Who = { ...muter, userId: 'm2' };
    expect(mayMuteInCall(muter2, null, 'gone')).toBe(true);
    expect(mayMuteInCall(plain, null, 'gone')).toBe(false);
  });
});
