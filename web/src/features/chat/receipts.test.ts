import { describe, expect, it } from 'vitest';
import { applyReceipt, seenBy, seenLabel, seenText } from './receipts';

describe('read receipts', () => {
  it('move forward only, and tell who reached a message', () => {
    let r = applyReceipt(new Map(), 'a', 5);
    r = applyReceipt(r, 'b', 3);
    expect(applyReceipt(r, 'a', 4)).toBe(r);
    r = applyReceipt(r, 'b', 7);
    expect(seenBy(r, 5, 'me')).toEqual(['a', 'b']);
    expect(seenBy(r, 6, 'me')).toEqual(['b']);
    expect(seenBy(applyReceipt(r, 'me', 9), 9, 'me')).toEqual([]);
  });

  it('say it shortly', () => {
    expect(seenText([], false)).toBeNull();
    expect(seenText(['alice'], true)).toBe('Seen');
    expect(seenText(['alice'], false)).toBe('Seen by alice');
    expect(seenText(['alice', 'bob'], false)).toBe('Seen by alice and bob');
    expect(seenText(['alice', 'bob', 'carol'], false)).toBe('Seen by alice, bob and carol');
    expect(seenText(['a', 'b', 'c', 'd'], false)).toBe('Seen by 4 people');
  });

  it('name everyone for screen readers', () => {
    expect(seenLabel(['alice'])).toBe('Seen by alice');
    expect(seenLabel(['alice', 'bob'])).toBe('Seen by alice and bob');
    expect(seenLabel(['a', 'b', 'c', 'd'])).toBe('Seen by a, b, c and d');
  });
});
