import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/types';
import { backoffDelay } from './backoff';
import { newClientMsgId, outboxReducer, type Outgoing } from './outbox';
import { SeqTracker } from './seq';
import { markDeleted, mergeMessages } from './timeline';
import { unreadLabel } from './unread';

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

describe('SeqTracker', () => {
  it('applies the next seq, ignores duplicates and reports a gap from the last seq held', () => {
    const t = new SeqTracker();
    expect(t.check('g1', 7)).toEqual({ kind: 'next' });
    t.advance('g1', 7);
    expect(t.check('g1', 8)).toEqual({ kind: 'next' });
    expect(t.check('g1', 7)).toEqual({ kind: 'old' });
    expect(t.check('g1', 3)).toEqual({ kind: 'old' });
    expect(t.check('g1', 11)).toEqual({ kind: 'gap', from: 7 });
  });

  it('never lowers lastSeq', () => {
    const t = new SeqTracker();
    t.advance('g1', 9);
    t.advance('g1', 4);
    expect(t.get('g1')).toBe(9);
  });

  it('after a reconnect returns only the known groups the server is ahead in', () => {
    const t = new SeqTracker();
    t.advance('a', 5);
    t.advance('b', 3);
    const behind = t.ready([
      { groupId: 'a', lastSeq: 8 },
      { groupId: 'b', lastSeq: 3 },
      { groupId: 'new', lastSeq: 12 },
    ]);
    expect(behind).toEqual([{ groupId: 'a', after: 5 }]);
    expect(t.get('new')).toBe(12);
    expect(t.get('a')).toBe(5);
  });
});

describe('outboxReducer', () => {
  const item: Outgoing = { clientMsgId: 'c1', groupId: 'g1', text: 'hi', attachments: [], status: 'pending', error: null, sentAt: 1_000 };

  it('removes a pending message when its message.created arrives', () => {
    const s = outboxReducer([item], { type: 'created', message: msg(1, { clientMsgId: 'c1' }) });
    expect(s).toEqual([]);
  });

  it('marks it failed with the reason on message.rejected, and Retry makes it pending again', () => {
    let s = outboxReducer([item], { type: 'rejected', clientMsgId: 'c1', error: 'Too long' });
    expect(s[0]).toMatchObject({ status: 'failed', error: 'Too long' });
    s = outboxReducer(s, { type: 'retry', clientMsgId: 'c1', at: 5_000 });
    expect(s[0]).toMatchObject({ status: 'pending', error: null, sentAt: 5_000, clientMsgId: 'c1' });
  });

  it('fails only the messages pending longer than the timeout', () => {
    const late = { ...item, clientMsgId: 'c2', sentAt: 9_000 };
    const s = outboxReducer([item, late], { type: 'timeout', now: 16_000, afterMs: 15_000 });
    expect(s.map((o) => o.status)).toEqual(['failed', 'pending']);
  });

  it('ignores a created message of another clientMsgId and discards on request', () => {
    expect(outboxReducer([item], { type: 'created', message: msg(1, { clientMsgId: 'zz' }) })).toHaveLength(1);
    expect(outboxReducer([item], { type: 'discard', clientMsgId: 'c1' })).toEqual([]);
  });
});

describe('newClientMsgId', () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  it('uses randomUUID where the origin has it', () => {
    expect(newClientMsgId({ randomUUID: () => 'from-randomUUID', getRandomValues: (a) => a })).toBe('from-randomUUID');
  });
  it('makes a version-4 UUID from getRandomValues on a plain-HTTP origin (no randomUUID)', () => {
    const insecure = { getRandomValues: <T extends ArrayBufferView>(a: T) => crypto.getRandomValues(a) };
    const ids = new Set(Array.from({ length: 200 }, () => newClientMsgId(insecure)));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(uuid);
    const fixed = { getRandomValues: <T extends ArrayBufferView>(a: T) => (new Uint8Array(a.buffer).fill(0xff), a) };
    expect(newClientMsgId(fixed)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter between half and the full step', () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(250);
    expect(backoffDelay(0, { random: () => 1 })).toBe(500);
    expect(backoffDelay(3, { random: () => 1 })).toBe(4_000);
    expect(backoffDelay(50, { random: () => 1 })).toBe(30_000);
    expect(backoffDelay(50, { random: () => 0 })).toBe(15_000);
  });
});

describe('unread badge', () => {
  it('caps the count at 99+', () => {
    expect(unreadLabel(99)).toBe('99');
    expect(unreadLabel(120)).toBe('99+');
  });
});

describe('timeline', () => {
  it('merges by seq, oldest first, and keeps tombstones', () => {
    let list = mergeMessages([], [msg(3), msg(1)]);
    list = mergeMessages(list, [msg(2), msg(3)]);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
    list = markDeleted(list, 'm2');
    list = mergeMessages(list, [msg(2)]);
    expect(list[1]).toMatchObject({ deleted: true, text: '' });
  });
});
