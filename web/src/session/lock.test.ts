import { afterEach, describe, expect, it } from 'vitest';
import { storageLock, type LockRunner } from './lock';

/** A localStorage of its own, shared by the "tabs" of one test. */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

/** A BroadcastChannel stand-in linking the tabs of one test. */
function channels() {
  const listeners = new Set<() => void>();
  return () => ({
    postMessage: () => [...listeners].forEach((fn) => setTimeout(fn, 0)),
    addEventListener: (_: 'message', fn: () => void) => void listeners.add(fn),
    removeEventListener: (_: 'message', fn: () => void) => void listeners.delete(fn),
  });
}

const runners: LockRunner[] = [];
afterEach(() => {
  runners.length = 0;
});

describe('storageLock (tabs without navigator.locks)', () => {
  it('never lets two tabs refresh at once, and lets each refresh in turn', async () => {
    const storage = memoryStorage();
    const channel = channels();
    const tabs = [0, 1, 2, 3].map(() => storageLock({ storage, channel: channel(), settleMs: 5, pollMs: 20 }));
    let inside = 0;
    let overlaps = 0;
    const order: number[] = [];
    await Promise.all(
      tabs.map((lock, i) =>
        lock(async () => {
          inside++;
          if (inside > 1) overlaps++;
          await new Promise((ok) => setTimeout(ok, 15));
          order.push(i);
          inside--;
          return i;
        }),
      ),
    );
    expect(overlaps).toBe(0);
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(storage.length).toBe(0); // released, and no token ever stored
  });

  it('takes over a lock whose holder died once it expires', async () => {
    const storage = memoryStorage();
    storage.setItem('parley-session-refresh:lock', JSON.stringify({ owner: 'dead tab', until: Date.now() + 60 }));
    const lock = storageLock({ storage, settleMs: 5, pollMs: 10 });
    await expect(lock(async () => 'done')).resolves.toBe('done');
  });

  it('releases the lock when the refresh fails', async () => {
    const storage = memoryStorage();
    const lock = storageLock({ storage, settleMs: 5, pollMs: 10 });
    await expect(lock(async () => Promise.reject(new Error('offline')))).rejects.toThrow('offline');
    expect(storage.length).toBe(0);
    await expect(lock(async () => 'again')).resolves.toBe('again');
  });
});
