import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/types';
import { insertMention, mentionCandidates, mentionedIds, mentionQuery, splitMentions } from './mentions';
import { namesList, whoReacted } from './Reactions';
import { applyReaction, applyUpdate, excerptOf, markDeleted, reacted } from './timeline';

const msg = (seq: number, over: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  groupId: 'g1',
  seq,
  authorId: 'u-other',
  text: `hello ${seq}`,
  attachments: [],
  createdAt: '2026-11-27T10:00:00Z',
  clientMsgId: null,
  deleted: false,
  hidden: false,
  ...over,
});

const members = [
  { userId: 'u-bob', username: 'bob' },
  { userId: 'u-bobby', username: 'Bobby_99' },
  { userId: 'u-ann', username: 'ann.lee', displayName: 'Ann Lee' },
  { userId: 'u-zed', username: 'zed', displayName: 'Zoe Bobson' },
];

describe('edits and replies in the timeline', () => {
  it('an update replaces the held message, keeps my hide, and refreshes the quotes of its replies', () => {
    const list = [msg(1, { text: 'first' }), msg(2, { replyTo: { id: 'm1', seq: 1, authorId: 'u-other', excerpt: 'first', deleted: false } }), msg(3, { hidden: true })];
    const edited = applyUpdate(list, msg(1, { text: 'first, edited', editedAt: '2026-11-27T10:05:00Z' }));
    expect(edited[0]).toMatchObject({ text: 'first, edited', editedAt: '2026-11-27T10:05:00Z', seq: 1 });
    expect(edited[1]?.replyTo?.excerpt).toBe('first, edited');
    expect(applyUpdate(edited, msg(3, { text: 'edited while hidden' }))[2]).toMatchObject({ hidden: true, text: 'edited while hidden' });
    // Not held: nothing changes (the same array).
    expect(applyUpdate(list, msg(9))).toBe(list);
  });

  it('an update never revives a deleted message', () => {
    const list = markDeleted([msg(1)], 'm1');
    expect(applyUpdate(list, msg(1, { text: 'late edit' }))[0]).toMatchObject({ deleted: true, text: '' });
  });

  it('deleting drops text, reply, reactions and mentions, and marks the quotes of its replies deleted', () => {
    const list = [
      msg(1, { reactions: [{ emoji: '👍', count: 1, userIds: ['u-a'] }], mentions: ['u-a'], replyTo: { id: 'm0', seq: 0, authorId: 'u-a', excerpt: 'x', deleted: false } }),
      msg(2, { replyTo: { id: 'm1', seq: 1, authorId: 'u-other', excerpt: 'hello 1', deleted: false } }),
    ];
    const [gone, reply] = markDeleted(list, 'm1');
    expect(gone).toMatchObject({ deleted: true, text: '', attachments: [] });
    expect(gone?.reactions).toBeUndefined();
    expect(gone?.mentions).toBeUndefined();
    expect(gone?.replyTo).toBeUndefined();
    expect(reply?.replyTo).toEqual({ id: 'm1', seq: 1, authorId: 'u-other', excerpt: '', deleted: true });
  });

  it('cuts excerpts at 100 code points with an ellipsis', () => {
    expect(excerptOf('short')).toBe('short');
    expect(excerptOf('a'.repeat(100))).toBe('a'.repeat(100));
    expect(excerptOf('😀'.repeat(101))).toBe(`${'😀'.repeat(100)}…`);
  });
});

describe('reactions in the timeline', () => {
  it('adds users in order, keeps each emoji in first-added order, and drops an emoji nobody reacts with', () => {
    let list = [msg(1)];
    list = applyReaction(list, 'm1', '👍', 'u-a', true);
    list = applyReaction(list, 'm1', '🎉', 'u-b', true);
    list = applyReaction(list, 'm1', '👍', 'u-b', true);
    expect(list[0]?.reactions).toEqual([
      { emoji: '👍', count: 2, userIds: ['u-a', 'u-b'] },
      { emoji: '🎉', count: 1, userIds: ['u-b'] },
    ]);
    expect(reacted(list[0] as Message, '👍', 'u-b')).toBe(true);
    list = applyReaction(list, 'm1', '👍', 'u-a', false);
    list = applyReaction(list, 'm1', '🎉', 'u-b', false);
    expect(list[0]?.reactions).toEqual([{ emoji: '👍', count: 1, userIds: ['u-b'] }]);
    list = applyReaction(list, 'm1', '👍', 'u-b', false);
    expect(list[0]?.reactions).toBeUndefined();
  });

  it('is idempotent: a frame repeating an optimistic toggle changes nothing', () => {
    const once = applyReaction([msg(1)], 'm1', '❤️', 'me', true);
    expect(applyReaction(once, 'm1', '❤️', 'me', true)).toBe(once);
    const none = [msg(1)];
    expect(applyReaction(none, 'm1', '❤️', 'me', false)).toBe(none);
    expect(applyReaction(none, 'm-unknown', '❤️', 'me', true)).toBe(none);
  });

  it('tells who reacted, with me as "you" last', () => {
    const nameOf = (id: string) => id.slice(2);
    expect(whoReacted({ emoji: '👍', count: 3, userIds: ['u-me', 'u-ann', 'u-bob'] }, 'u-me', nameOf)).toBe('ann, bob and you');
    expect(whoReacted({ emoji: '👍', count: 1, userIds: ['u-ann'] }, 'u-me', nameOf)).toBe('ann');
    expect(namesList(['a', 'b'])).toBe('a and b');
  });
});

describe('mentions', () => {
  it('finds the @word the caret ends, not an e-mail address or a finished name', () => {
    expect(mentionQuery('hi @bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('(@ann.l', 7)).toEqual({ start: 1, query: 'ann.l' });
    expect(mentionQuery('mail a@bob', 10)).toBeNull();
    expect(mentionQuery('hi @bob ', 8)).toBeNull();
    expect(mentionQuery('hi bob', 6)).toBeNull();
  });

  it('offers members by username, then display name, then anywhere in them', () => {
    expect(mentionCandidates(members, 'bob').map((m) => m.username)).toEqual(['bob', 'Bobby_99', 'zed']);
    expect(mentionCandidates(members, 'lee').map((m) => m.username)).toEqual(['ann.lee']);
    expect(mentionCandidates(members, '').length).toBe(4);
    expect(mentionCandidates(members, 'nobody')).toEqual([]);
  });

  it('inserts @username and a space in place of the query', () => {
    expect(insertMention('hi @bo', 3, 6, 'bob')).toEqual({ text: 'hi @bob ', caret: 8 });
    expect(insertMention('hi @bo there', 3, 6, 'bob')).toEqual({ text: 'hi @bob there', caret: 8 });
  });

  it('resolves the members a text mentions, in first-mention order, once each, case-insensitive', () => {
    expect(mentionedIds('@ANN.LEE and @bob, then @bob again; @bobby_99.', members)).toEqual(['u-ann', 'u-bob', 'u-bobby']);
    expect(mentionedIds('@bob.', members)).toEqual(['u-bob']);
    expect(mentionedIds('mail bob@bob or @bobx or @@bob', members)).toEqual([]);
    expect(mentionedIds('no mentions', members)).toEqual([]);
  });

  it('splits a text at its mentions', () => {
    expect(splitMentions('hey @bob, look', members)).toEqual(['hey ', { mention: '@bob', userId: 'u-bob' }, ', look']);
    expect(splitMentions('@zed', members)).toEqual([{ mention: '@zed', userId: 'u-zed' }]);
    expect(splitMentions('@stranger', members)).toEqual(['@stranger']);
  });
});
