import { describe, expect, it } from 'vitest';
import { addTyper, expireTypers, nextExpiry, removeTyper, shouldSendTyping, typingText } from './typing';

describe('typing', () => {
  it('names one, two, or counts more', () => {
    expect(typingText([])).toBeNull();
    expect(typingText(['alice'])).toBe('alice is typing…');
    expect(typingText(['alice', 'bob'])).toBe('alice and bob are typing…');
    expect(typingText(['alice', 'bob', 'carol'])).toBe('3 people are typing…');
  });

  it('shows a typer for 6 s after the last frame, or until removed', () => {
    let t = addTyper(new Map(), 'u1', 1_000);
    t = addTyper(t, 'u2', 3_000);
    expect(nextExpiry(t)).toBe(7_000);
    expect(expireTypers(t, 6_999)).toBe(t);
    expect([...expireTypers(t, 7_000).keys()]).toEqual(['u2']);
    t = addTyper(t, 'u1', 5_000);
    expect([...expireTypers(t, 8_000).keys()]).toEqual(['u1', 'u2']);
    expect([...removeTyper(t, 'u1').keys()]).toEqual(['u2']);
    expect(removeTyper(t, 'nobody')).toBe(t);
    expect(nextExpiry(new Map())).toBeNull();
  });

  it('sends at most every 3 s, and only with text', () => {
    expect(shouldSendTyping('h', null, 0)).toBe(true);
    expect(shouldSendTyping('  ', null, 0)).toBe(false);
    expect(shouldSendTyping('he', 1_000, 3_999)).toBe(false);
    expect(shouldSendTyping('hel', 1_000, 4_000)).toBe(true);
  });
});
