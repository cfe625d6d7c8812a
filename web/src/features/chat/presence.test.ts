import { describe, expect, it } from 'vitest';
import { applyPresence, AwayTracker, fromList, idleAfterMs, keepShared, myStatus } from './presence';

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

describe('keepShared', () => {
  it('forgets whoever I no longer share a group with', () => {
    const p = fromList([{ userId: 'a', status: 'online' }, { userId: 'b', status: 'away' }]);
    expect(keepShared(p, new Set(['a', 'b', 'c']))).toBe(p);
    expect([...keepShared(p, new Set(['b']))]).toEqual([['b', 'away']]);
  });
});

describe('AwayTracker', () => {
  function setup() {
    let t = 0;
    let hidden = false;
    let up = true;
    const sent: string[] = [];
    const tracker = new AwayTracker(
      (s) => (up ? (sent.push(s), true) : false),
      () => hidden,
      () => t,
    );
    return {
      tracker,
      sent,
      at: (ms: number) => void (t = ms),
      hide: (h: boolean) => void (hidden = h),
      connection: (u: boolean) => void (up = u),
    };
  }

  it('says away when hidden and online when shown, once per change', () => {
    const s = setup();
    s.tracker.check();
    expect(s.sent).toEqual([]);
    s.hide(true);
    s.tracker.check();
    s.tracker.check();
    expect(s.sent).toEqual(['away']);
    s.hide(false);
    s.tracker.check();
    expect(s.sent).toEqual(['away', 'online']);
  });

  it('is away after five idle minutes, online at the next input', () => {
    const s = setup();
    s.at(idleAfterMs - 1);
    s.tracker.check();
    expect(s.sent).toEqual([]);
    s.at(idleAfterMs);
    s.tracker.check();
    expect(s.sent).toEqual(['away']);
    s.tracker.active();
    s.tracker.active();
    expect(s.sent).toEqual(['away', 'online']);
  });

  it('tries again when a frame could not go, and starts online on a new connection', () => {
    const s = setup();
    s.connection(false);
    s.hide(true);
    s.tracker.check();
    expect(s.sent).toEqual([]);
    s.connection(true);
    s.tracker.connected();
    expect(s.sent).toEqual(['away']);
    s.tracker.connected(); // a reconnect: the server thinks online again
    expect(s.sent).toEqual(['away', 'away']);
  });
});
