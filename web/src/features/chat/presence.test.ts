import { describe, expect, it } from 'vitest';
import { applyPresence, fromList, idleAfterMs, myStatus } from './presence';

describe('presence', () => {
  it('keeps who is online or away; offline is absent', () => {
    const p = fromList([{ userId: 'a', status: 'online' }, { userId: 'b', status: 'away' }, { userId: 'c', status: 'offline' }]);
    expect([...p]).toEqual([['a', 'online'], ['b', 'away']]);
    expect(fromList(undefined).size).toBe(0);
    const q = applyPresence(p, [{ userId: 'a', status: 'offline' }, { userId: 'b', status: 'online' }, { userId: 'd', status: 'away' }]);
    expect([...q]).toEqual([['b', 'online'], ['d', 'away']]);
  });

  it('is away while hidden or idle', () => {
    expect(myStatus(false, 0)).toBe('online');
    expect(myStatus(true, 0)).toBe('away');
    expect(myStatus(false, idleAfterMs)).toBe('away');
  });
});
