import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { GroupDetail, Member, Rights } from '../../api/types';
import { Session } from '../../session/session';
import { SessionProvider } from '../../session/SessionContext';
import { fakeServer, inAnHour, json, maya, type Handler } from '../../test/fakeServer';
import { MembersDialog } from './MembersDialog';

const none: Rights = { addMembers: false, removeMembers: false, deleteMessages: false, muteMembers: false };
const all: Rights = { addMembers: true, removeMembers: true, deleteMessages: true, muteMembers: true };

function member(userId: string, username: string, role: Member['role'], rights: Rights): Member {
  return { userId, username, pictureUrl: null, role, rights, joinedAt: '2026-11-27T10:00:00Z' };
}

const cara = member('u-cara', 'cara', 'creator', all);
const adam = member('u-adam', 'adam', 'admin', all);
const rita = member('u-rita', 'rita', 'member', { ...none, removeMembers: true });
const bob = member('u-bob', 'bob', 'member', { ...none, addMembers: true });
const pia = member('u-pia', 'pia', 'member', none);
const everyone = [cara, adam, rita, bob, pia];

function setup(me: Member, handlers: Record<string, Handler> = {}) {
  const server = fakeServer(handlers);
  const session = new Session({ fetch: server.fetch, withLock: (fn) => fn() });
  session.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: { ...maya, id: me.userId, username: me.username } });
  const group: GroupDetail = {
    id: 'g1',
    name: 'Hikers',
    pictureUrl: null,
    createdAt: '2026-11-27T10:00:00Z',
    creatorId: cara.userId,
    memberCount: everyone.length,
    me,
    members: everyone,
  };
  const onChanged = vi.fn();
  render(
    <SessionProvider session={session}>
      <MembersDialog group={group} onClose={() => {}} onChanged={onChanged} />
    </SessionProvider>,
  );
  return { server, onChanged };
}

const row = (name: string) => screen.getByRole('listitem', { name });
const removable = () =>
  screen.queryAllByRole('button', { name: /^Remove / }).map((b) => b.getAttribute('aria-label'));
const manageable = () =>
  screen.queryAllByRole('button', { name: /^Manage / }).map((b) => b.getAttribute('aria-label'));

describe('MembersDialog shows only the controls §6 allows', () => {
  it('lists every member with a role badge and the rights they hold', () => {
    setup(pia);
    expect(within(row('cara')).getByText('Creator')).toBeTruthy();
    expect(within(row('adam')).getByText('Admin')).toBeTruthy();
    expect(within(row('bob')).getByText('Member')).toBeTruthy();
    expect(within(row('bob')).getByText('Add members')).toBeTruthy();
    expect(within(row('rita')).getByText('Remove members')).toBeTruthy();
  });

  it('gives the creator every control on everyone but themself, and no leave', () => {
    setup(cara);
    expect(removable()).toEqual(['Remove adam', 'Remove bob', 'Remove pia', 'Remove rita']);
    expect(manageable()).toEqual(['Manage adam', 'Manage bob', 'Manage pia', 'Manage rita']);
    expect(screen.queryByRole('button', { name: 'Leave group' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Manage adam' }));
    const adamRights = screen.getByRole('group', { name: 'Rights of adam' });
    expect(within(adamRights).queryAllByRole('switch')).toHaveLength(0);
    expect(within(adamRights).getByRole('button', { name: 'Remove admin' })).toBeTruthy();
    expect(within(adamRights).getByRole('button', { name: 'Transfer ownership…' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Manage pia' }));
    const piaRights = screen.getByRole('group', { name: 'Rights of pia' });
    expect(within(piaRights).getAllByRole('switch')).toHaveLength(4);
    expect(within(piaRights).getByRole('button', { name: 'Make admin' })).toBeTruthy();
  });

  it('lets an admin change plain members only, without granting admin', () => {
    setup(adam);
    expect(removable()).toEqual(['Remove bob', 'Remove pia', 'Remove rita']);
    expect(manageable()).toEqual(['Manage bob', 'Manage pia', 'Manage rita']);
    fireEvent.click(screen.getByRole('button', { name: 'Manage bob' }));
    const rights = screen.getByRole('group', { name: 'Rights of bob' });
    expect(within(rights).getAllByRole('switch')).toHaveLength(4);
    expect(within(rights).queryByRole('button', { name: 'Make admin' })).toBeNull();
    expect(within(rights).queryByRole('button', { name: /Transfer/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Leave group' })).toBeTruthy();
  });

  it('lets a member with removeMembers remove only members without rights', () => {
    setup(rita);
    expect(removable()).toEqual(['Remove pia']);
    expect(manageable()).toEqual([]);
  });

  it('gives a member with addMembers no remove or manage controls, only leave', () => {
    setup(bob);
    expect(removable()).toEqual([]);
    expect(manageable()).toEqual([]);
    expect(screen.getByRole('button', { name: 'Leave group' })).toBeTruthy();
  });

  it('gives a plain member nothing but leave', () => {
    setup(pia);
    expect(removable()).toEqual([]);
    expect(manageable()).toEqual([]);
    expect(screen.getByRole('button', { name: 'Leave group' })).toBeTruthy();
  });
});

describe('MembersDialog actions', () => {
  it('grants a right with a partial PATCH and shows the answer', async () => {
    const { server, onChanged } = setup(cara, {
      'PATCH /groups/g1/members/u-pia': () => json(200, { ...pia, rights: { ...none, addMembers: true } }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Manage pia' }));
    fireEvent.click(screen.getByRole('switch', { name: 'Add members' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    const call = server.calls.find((c) => c.method === 'PATCH');
    expect(call?.body).toEqual({ rights: { addMembers: true } });
    expect(within(row('pia')).getAllByText('Add members').length).toBeGreaterThan(0);
  });

  it('removes a member after a confirmation', async () => {
    const { server, onChanged } = setup(cara, {
      'DELETE /groups/g1/members/u-bob': () => new Response(null, { status: 204 }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Remove bob' }));
    expect(server.count('DELETE', '/groups/g1/members/u-bob')).toBe(0);
    fireEvent.click(screen.getByRole('button', { name: 'Remove bob from the group' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(server.count('DELETE', '/groups/g1/members/u-bob')).toBe(1);
    expect(screen.getByText('bob was removed from the group.')).toBeTruthy();
  });
});
