/**
 * The cross-tab refresh lock as one arbiter: the SharedWorker that every tab
 * of the origin shares (lock.worker.ts) runs one coordinator, and each tab
 * talks to it over its own port. The worker handles one message at a time,
 * so the grant is exclusive by construction: no timing assumption, unlike
 * a lock kept in localStorage, whose writes reach the other tabs a moment
 * later (CI saw two tabs take it at once on busy cores).
 *
 * Messages (both ways, plain objects):
 *   tab → worker  {op: 'acquire' | 'renew' | 'release', id}
 *   worker → tab  {op: 'granted', id}
 * An id is the tab's own counter; the worker tells tabs apart by their port.
 * A grant lasts ttl unless renewed, so that a tab which died holding it
 * (closed mid-refresh, crashed) blocks the others for ttl at most.
 */

export interface LockMessage {
  op: 'acquire' | 'renew' | 'release' | 'granted';
  id: number;
}

/** The part of a MessagePort the coordinator and its clients use. */
export interface PortLike {
  postMessage(msg: LockMessage): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<unknown>) => void): void;
  start?(): void;
}

export interface CoordinatorOptions {
  /** How long a grant lasts unless renewed. Default 10 s. */
  ttlMs?: number;
  now?: () => number;
}

interface Entry {
  port: PortLike;
  id: number;
}

/** A grant's lifetime unless renewed. */
export const defaultTtlMs = 10_000;

/** Reads a message from outside; anything else is ignored. */
export function asLockMessage(data: unknown): LockMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const { op, id } = data as { op?: unknown; id?: unknown };
  if (op !== 'acquire' && op !== 'renew' && op !== 'release' && op !== 'granted') return null;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  return { op, id };
}

/** The arbiter: grants the lock to one waiter at a time, first come first served. */
export function lockCoordinator(options: CoordinatorOptions = {}) {
  const ttl = options.ttlMs ?? defaultTtlMs;
  const now = options.now ?? (() => Date.now());
  const waiting: Entry[] = [];
  let holder: (Entry & { until: number }) | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const same = (a: Entry, port: PortLike, id: number) => a.port === port && a.id === id;

  /** Grants the lock to the next waiter when it is free or its grant ran out. */
  const pump = () => {
    clearTimeout(timer);
    timer = undefined;
    if (holder && holder.until > now()) {
      timer = setTimeout(pump, holder.until - now());
      return;
    }
    holder = null;
    const next = waiting.shift();
    if (!next) return;
    holder = { ...next, until: now() + ttl };
    next.port.postMessage({ op: 'granted', id: next.id });
    timer = setTimeout(pump, ttl);
  };

  const handle = (port: PortLike, msg: LockMessage) => {
    switch (msg.op) {
      case 'acquire':
        if (holder && same(holder, port, msg.id)) return;
        if (!waiting.some((w) => same(w, port, msg.id))) waiting.push({ port, id: msg.id });
        pump();
        return;
      case 'renew':
        if (holder && same(holder, port, msg.id)) {
          holder.until = now() + ttl;
          pump();
        }
        return;
      case 'release': {
        if (holder && same(holder, port, msg.id)) {
          holder = null;
          pump();
          return;
        }
        // A waiter that gave up (its page is going away).
        const i = waiting.findIndex((w) => same(w, port, msg.id));
        if (i >= 0) waiting.splice(i, 1);
        return;
      }
      case 'granted':
        return; // only the worker sends it
    }
  };

  return {
    /** Serves one tab's port. */
    connect(port: PortLike) {
      port.addEventListener('message', (e) => {
        const msg = asLockMessage(e.data);
        if (msg) handle(port, msg);
      });
      port.start?.();
    },
    /** For tests: how many tabs wait. */
    get waiting() {
      return waiting.length;
    },
  };
}
