import { describe, expect, it } from 'vitest';
import type { Message } from '../../api/types';
import { applyArrival, applyLocalRead, applyReadUpdated, countsOf, forgetGroup, fromReady, titleWithCount } from './readState';

function msg(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`, groupId: 'g1', seq, authorId: 'u2', text: 'hi', attachments: [], createdAt: '2026-12-02T10:00:00Z',
    clientMsgId: null, deleted: false, hidden: false, ...over,
  };
}

describe('read state', () => {
  const ready = fromReady([
    { groupId: 'g1', lastSeq: 10, lastReadSeq: 7, unread: 3, mentions: 1 },
    { groupId: 'g2', lastSeq: 4, lastReadSeq: 4, unread: 0, mentions: 0 },
  ]);

  it('takes the counts of ready, and none from an older server', () => {
    expect(ready).toEqual({
      g1: { lastReadSeq: 7, lastSeq: 10, unread: 3, mentions: 1 },
      g2: { lastReadSeq: 4, lastSeq: 4, unread: 0, mentions: 0 },
    });
    expect(fromReady([{ groupId: 'g1', lastSeq: 3 }])).toBeNull();
    expect(countsOf(ready ?? {}, 'unread')).toEqual({ g1: 3 });
    expect(countsOf(ready ?? {}, 'mentions')).toEqual({ g1: 1 });
  });

  it('counts each arrival once: a catch-up of what ready counted adds nothing', () => {
    const s = ready ?? {};
    expect(applyArrival(s, msg(9), 'me')).toBe(s);
    expect(applyArrival(s, msg(10), 'me')).toBe(s);
    const next = applyArrival(s, msg(11, { mentions: ['me'] }), 'me');
    expect(next['g1']).toEqual({ lastReadSeq: 7, lastSeq: 11, unread: 4, mentions: 2 });
    expect(applyArrival(next, msg(11), 'me')).toBe(next);
    // Mine, deleted: counted as seen, not unread.
    expect(applyArrival(next, msg(12, { authorId: 'me' }), 'me')['g1']).toMatchObject({ lastSeq: 12, unread: 4 });
    expect(applyArrival(next, msg(12, { deleted: true }), 'me')['g1']).toMatchObject({ unread: 4 });
    // A group ready did not know (a new direct conversation).
    expect(applyArrival(s, msg(1, { groupId: 'g9' }), 'me')['g9']).toEqual({ lastReadSeq: 0, lastSeq: 1, unread: 1, mentions: 0 });
  });

  it('replaces a group with read.updated and marks read locally without going back', () => {
    const s = ready ?? {};
    expect(applyReadUpdated(s, { groupId: 'g1', lastReadSeq: 9, unread: 1, mentions: 0 })['g1']).toEqual({ lastReadSeq: 9, lastSeq: 10, unread: 1, mentions: 0 });
    expect(applyLocalRead(s, 'g1', 10)['g1']).toEqual({ lastReadSeq: 10, lastSeq: 10, unread: 0, mentions: 0 });
    expect(applyLocalRead(s, 'g1', 8)['g1']).toEqual({ lastReadSeq: 8, lastSeq: 10, unread: 3, mentions: 1 });
    expect(applyLocalRead(s, 'g1', 5)).toBe(s);
    expect(applyLocalRead(s, 'nope', 5)).toBe(s);
    expect(forgetGroup(s, 'g1')).toEqual({ g2: s['g2'] });
  });

  it('puts the total in the title', () => {
    expect(titleWithCount('Parley', 3)).toBe('(3) Parley');
    expect(titleWithCount('(3) Parley', 5)).toBe('(5) Parley');
    expect(titleWithCount('(5) Parley', 0)).toBe('Parley');
    expect(titleWithCount('Parley', 1200)).toBe('(999+) Parley');
  });
});

describe('favicon', () => {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32"/></svg>\n';
  it('carries the count on a dot, 9+ above nine, nothing when all is read', async () => {
    const { faviconWithCount } = await import('./readState');
    expect(faviconWithCount(svg, 0)).toBe(svg);
    const three = faviconWithCount(svg, 3);
    expect(three).toContain('<circle');
    expect(three).toMatch(/>3<\/text><\/svg>$/);
    expect(faviconWithCount(svg, 42)).toMatch(/>9\+<\/text><\/svg>$/);
    expect(faviconWithCount('not svg', 3)).toBe('not svg');
  });
});
