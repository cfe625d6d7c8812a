import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { portLock, type LockRunner } from './lock';
import { asLockMessage, lockCoordinator, type PortLike } from './lockCoordinator';

// The SharedWorker arbiter as the browser runs it, its tabs on real
// MessageChannels (messages cross as structured clones, asynchronously).

const open: { close(): void }[] = [];
afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

/** A tab's port to the coordinator. */
function connect(coordinator: ReturnType<typeof lockCoordinator>): PortLike {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  coordinator.connect(port2 as unknown as PortLike);
  return port1 as unknown as PortLike;
}

const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** Runs every tab's lock at once; counts how many were inside together. */
async function contend(tabs: LockRunner[], holdMs: number) {
  let inside = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    tabs.map((lock, i) =>
      lock(async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(holdMs);
        order.push(i);
        inside--;
      }),
    ),
  );
  return { most, order };
}

describe('the SharedWorker lock (tabs without navigator.locks)', () => {
  it('grants the lock to one tab at a time, each in turn', async () => {
    const c = lockCoordinator();
    const tabs = [0, 1, 2, 3].map(() => portLock(connect(c)));
    const { most, order } = await contend(tabs, 15);
    expect(most).toBe(1);
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(c.waiting).toBe(0);
  });

  it('keeps the lock of a refresh that outlasts the grant, by renewing it', async () => {
    const c = lockCoordinator({ ttlMs: 60 });
    const tabs = [0, 1].map(() => portLock(connect(c), { ttlMs: 60 }));
    const { most } = await contend(tabs, 200);
    expect(most).toBe(1);
  });

  it('hands the lock on once the grant of a tab that died runs out', async () => {
    const c = lockCoordinator({ ttlMs: 80 });
    const dead = connect(c);
    dead.postMessage({ op: 'acquire', id: 1 }); // and never a renew nor a release
    await sleep(20);
    const started = Date.now();
    await expect(portLock(connect(c), { ttlMs: 80 })(async () => 'mine')).resolves.toBe('mine');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('forgets a waiting tab whose page goes away', async () => {
    const c = lockCoordinator();
    const holder = portLock(connect(c));
    const leaving = portLock(connect(c));
    let release!: () => void;
    const held = holder(() => new Promise<void>((ok) => (release = ok)));
    await sleep(20);
    let ran = false;
    void leaving(async () => {
      ran = true;
    });
    await sleep(20);
    expect(c.waiting).toBe(1);
    leaving.release();
    await sleep(20);
    expect(c.waiting).toBe(0);
    release();
    await held;
    await sleep(20);
    expect(ran).toBe(false);
  });

  it('releases the lock when the refresh fails', async () => {
    const c = lockCoordinator();
    const lock = portLock(connect(c));
    await expect(lock(() => Promise.reject(new Error('offline')))).rejects.toThrow('offline');
    await expect(portLock(connect(c))(async () => 'next')).resolves.toBe('next');
  });

  it('falls back when the worker cannot start, also for a tab already waiting', async () => {
    let fail!: () => void;
    const failed = new Promise<void>((ok) => (fail = ok));
    const { port1, port2 } = new MessageChannel(); // nobody answers on port2
    open.push(port1, port2);
    const used: string[] = [];
    const lock = portLock(port1 as unknown as PortLike, {
      failed,
      fallback: (fn) => {
        used.push('fallback');
        return fn();
      },
    });
    const waiting = lock(async () => 'waited');
    fail();
    await expect(waiting).resolves.toBe('waited');
    await expect(lock(async () => 'later')).resolves.toBe('later');
    expect(used).toEqual(['fallback', 'fallback']);
  });

  it('goes ahead after its longest wait when no grant comes', async () => {
    const { port1, port2 } = new MessageChannel();
    open.push(port1, port2);
    const lock = portLock(port1 as unknown as PortLike, { maxWaitMs: 30 });
    await expect(lock(async () => 'anyway')).resolves.toBe('anyway');
  });

  it('reads only well-formed messages', () => {
    expect(asLockMessage({ op: 'acquire', id: 3 })).toEqual({ op: 'acquire', id: 3 });
    for (const bad of [null, 'acquire', { op: 'steal', id: 1 }, { op: 'release' }, { op: 'renew', id: 1.5 }, { op: 'acquire', id: '1' }]) {
      expect(asLockMessage(bad)).toBeNull();
    }
  });

  it('ignores a release or renew from a tab that does not hold the lock', async () => {
    const c = lockCoordinator();
    const intruder = connect(c);
    const tabs = [0, 1].map(() => portLock(connect(c)));
    const run = contend(tabs, 40);
    await sleep(10);
    // The intruder's id 1 is the holder's id too: the port tells them apart.
    intruder.postMessage({ op: 'release', id: 1 });
    intruder.postMessage({ op: 'renew', id: 1 });
    const { most } = await run;
    expect(most).toBe(1);
  });
});
