/**
 * Serialises the session refresh across the tabs of one browser.
 *
 * Two tabs that rotate the same refresh cookie at once look like token
 * reuse to the server, which then revokes the whole session and signs the
 * user out everywhere (issue 12 defect 11). The Web Locks API
 * (`navigator.locks`) serialises them, but browsers offer it only on secure
 * origins (HTTPS, localhost): a plain-HTTP install has none. There, a
 * SharedWorker (which needs no secure origin) arbitrates: one instance
 * serves every tab and grants the lock to one at a time
 * (lockCoordinator.ts). Where there is no SharedWorker either (Chrome on
 * Android), a lock kept in localStorage does what it can: a tab takes it by
 * writing its id and an expiry, waits a moment and reads it back (the last
 * writer wins), and announces its release on a BroadcastChannel so that
 * waiting tabs do not have to wait for their next poll. Writes reach other
 * tabs a moment later, so two tabs may both win on a busy machine; the
 * server's short grace for a duplicate refresh covers what slips through.
 * In both, a tab that dies while holding the lock loses it when its expiry
 * passes; a long refresh renews it.
 *
 * Only the lock's owner id and expiry are stored: never a token.
 */

import { asLockMessage, defaultTtlMs, type PortLike } from './lockCoordinator';

/** Runs fn while holding the cross-tab refresh lock. */
export type LockRunner = <T>(fn: () => Promise<T>) => Promise<T>;

export const lockName = 'parley-session-refresh';

/** What a storage lock needs of its surroundings; tests pass their own. */
export interface StorageLockOptions {
  storage: Storage;
  /** The channel a release is announced on; none: waiters poll only. */
  channel?: { postMessage(msg: unknown): void; addEventListener(type: 'message', fn: () => void): void; removeEventListener(type: 'message', fn: () => void): void } | undefined;
  /** How long a taken lock lasts unless renewed. Default 10 s. */
  ttlMs?: number;
  /** How long a taker waits before reading the lock back. Default 40 ms. */
  settleMs?: number;
  /** How often a waiter looks again. Default 100 ms. */
  pollMs?: number;
  now?: () => number;
}

interface Held {
  owner: string;
  until: number;
}

function read(storage: Storage, key: string): Held | null {
  try {
    const v = JSON.parse(storage.getItem(key) ?? 'null') as unknown;
    if (v && typeof v === 'object' && 'owner' in v && 'until' in v) {
      const { owner, until } = v as { owner: unknown; until: unknown };
      if (typeof owner === 'string' && typeof until === 'number') return { owner, until };
    }
  } catch {
    // A value that is not ours: treat the lock as free.
  }
  return null;
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** A LockRunner on localStorage (see the file's comment). */
export function storageLock(options: StorageLockOptions): LockRunner {
  const { storage, channel } = options;
  const ttl = options.ttlMs ?? 10_000;
  const settle = options.settleMs ?? 40;
  const poll = options.pollMs ?? 100;
  const now = options.now ?? (() => Date.now());
  const key = `${lockName}:lock`;

  /** Waits up to poll ms, less when a release is announced. */
  const waitForRelease = () =>
    new Promise<void>((ok) => {
      const done = () => {
        clearTimeout(timer);
        channel?.removeEventListener('message', done);
        ok();
      };
      const timer = setTimeout(done, poll);
      channel?.addEventListener('message', done);
    });

  return async <T>(fn: () => Promise<T>): Promise<T> => {
    const me = `${now()}-${Math.random().toString(36).slice(2)}`;
    for (;;) {
      const held = read(storage, key);
      if (held === null || held.until <= now()) {
        storage.setItem(key, JSON.stringify({ owner: me, until: now() + ttl }));
        await sleep(settle);
        if (read(storage, key)?.owner === me) break;
        continue;
      }
      await waitForRelease();
    }
    const renew = setInterval(() => {
      if (read(storage, key)?.owner === me) storage.setItem(key, JSON.stringify({ owner: me, until: now() + ttl }));
    }, ttl / 3);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      if (read(storage, key)?.owner === me) storage.removeItem(key);
      channel?.postMessage('released');
    }
  };
}

/** What a port lock needs besides its port; tests pass their own. */
export interface PortLockOptions {
  /** The grant's lifetime in the arbiter; renewed every third of it. Default 10 s. */
  ttlMs?: number;
  /** Settles when the arbiter cannot be reached (its script failed to load). */
  failed?: Promise<void>;
  /** How long to wait for a grant before going ahead anyway, leaving it to the server's grace. Default 30 s. */
  maxWaitMs?: number;
  /** What runs fn when the arbiter failed. Default: fn alone. */
  fallback?: LockRunner;
}

/**
 * A LockRunner whose arbiter sits at the other end of port: the SharedWorker
 * of lock.worker.ts, or in tests a lockCoordinator on a MessageChannel.
 * release() gives back whatever this tab holds or waits for, for a page that
 * is going away.
 */
export function portLock(port: PortLike, options: PortLockOptions = {}): LockRunner & { release(): void } {
  const ttl = options.ttlMs ?? defaultTtlMs;
  const maxWait = options.maxWaitMs ?? 30_000;
  const fallback: LockRunner = options.fallback ?? ((fn) => fn());
  const grants = new Map<number, () => void>();
  const held = new Set<number>();
  let last = 0;
  let failed = false;
  void options.failed?.then(() => {
    failed = true;
    for (const grant of grants.values()) grant();
  });
  port.addEventListener('message', (e) => {
    const msg = asLockMessage(e.data);
    if (msg?.op !== 'granted') return;
    grants.get(msg.id)?.();
  });
  port.start?.();

  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (failed) return fallback(fn);
    const id = ++last;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((ok) => {
      grants.set(id, ok);
      timer = setTimeout(ok, maxWait);
      port.postMessage({ op: 'acquire', id });
    });
    clearTimeout(timer);
    grants.delete(id);
    if (failed) return fallback(fn);
    held.add(id);
    const renew = setInterval(() => port.postMessage({ op: 'renew', id }), ttl / 3);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      held.delete(id);
      port.postMessage({ op: 'release', id });
    }
  };
  return Object.assign(run, {
    release() {
      for (const id of [...held, ...grants.keys()]) port.postMessage({ op: 'release', id });
    },
  });
}

/**
 * navigator.locks where the browser has it (secure origins); else the
 * SharedWorker arbiter (every desktop browser, also on plain HTTP); else
 * (Chrome on Android has no SharedWorker) the localStorage lock with a
 * BroadcastChannel; else (no storage at all) no serialisation, leaving it
 * to the server's grace.
 */
export function browserLock(): LockRunner {
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (locks) return locks.request(lockName, () => fn()) as Promise<T>;
    return fallback()(fn);
  };
}

let fallbackRunner: LockRunner | undefined;

function fallback(): LockRunner {
  fallbackRunner ??= workerRunner() ?? storageRunner();
  return fallbackRunner;
}

function workerRunner(): LockRunner | undefined {
  if (typeof SharedWorker === 'undefined') return undefined;
  let worker: SharedWorker;
  try {
    worker = new SharedWorker(new URL('./lock.worker.ts', import.meta.url), { type: 'module', name: lockName });
  } catch {
    return undefined; // refused, e.g. by a sandbox
  }
  const failed = new Promise<void>((ok) => worker.addEventListener('error', () => ok(), { once: true }));
  const runner = portLock(worker.port as unknown as PortLike, { failed, fallback: storageRunner() });
  addEventListener('pagehide', () => runner.release());
  return runner;
}

function storageRunner(): LockRunner {
  let storage: Storage | undefined;
  try {
    storage = typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    storage = undefined; // storage disabled by the user
  }
  if (!storage) return (fn) => fn();
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(lockName);
  return storageLock({ storage, channel });
}
