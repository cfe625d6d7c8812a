import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from '../api/client';
import { ApiError } from '../api/errors';
import { fakeServer, inAnHour, json, maya as me, unauthenticated, type Call } from '../test/fakeServer';
import { Session, type SessionOptions } from './session';

/** A promise resolved from outside, to hold a fake answer back. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((ok) => {
    open = ok;
  });
  return { open, opened };
}

function newSession(fetch: FetchLike, extra: SessionOptions = {}): Session {
  const s = new Session({ fetch, ...extra });
  sessions.push(s);
  return s;
}
const sessions: Session[] = [];

/** No cross-tab lock, for tests that count fake milliseconds exactly. */
const noLock = <T,>(fn: () => Promise<T>): Promise<T> => fn();

function bearer(call: Call | undefined): string | undefined {
  return call?.headers['Authorization'];
}

afterEach(() => {
  for (const s of sessions.splice(0)) s.dispose();
  vi.useRealTimers();
});

describe('Session start', () => {
  it('restores a session from the refresh cookie with the CSRF header', async () => {
    const server = fakeServer({
      'POST /auth/refresh': () => json(200, { accessToken: 'a1', expiresAt: inAnHour() }),
      'GET /users/me': () => json(200, me),
    });
    const s = newSession(server.fetch);
    expect(s.getState()).toEqual({ status: 'restoring' });

    await s.start();

    expect(s.getState()).toEqual({ status: 'signedIn', me });
    const refresh = server.calls.find((c) => c.path === '/auth/refresh');
    expect(refresh?.headers['X-Parley-CSRF']).toBe('1');
    expect(refresh?.credentials).toBe('same-origin');
    expect(bearer(refresh)).toBeUndefined();
    expect(bearer(server.calls.find((c) => c.path === '/users/me'))).toBe('Bearer a1');
  });

  it('is signed out, not expired, when there is no session to restore', async () => {
    const server = fakeServer({ 'POST /auth/refresh': unauthenticated });
    const s = newSession(server.fetch);
    await s.start();
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'initial' });
    expect(s.accessToken()).toBeNull();
  });

  it('is signed out when the server cannot be reached', async () => {
    const s = newSession(async () => {
      throw new TypeError('Failed to fetch');
    });
    await s.start();
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'initial' });
  });

  it('restores only once however often it is started', async () => {
    const server = fakeServer({
      'POST /auth/refresh': () => json(200, { accessToken: 'a1', expiresAt: inAnHour() }),
      'GET /users/me': () => json(200, me),
    });
    const s = newSession(server.fetch);
    await Promise.all([s.start(), s.start()]);
    await s.start();
    expect(server.count('POST', '/auth/refresh')).toBe(1);
  });

  it('never writes the token to web storage', async () => {
    localStorage.clear();
    sessionStorage.clear();
    const server = fakeServer({
      'POST /auth/refresh': () => json(200, { accessToken: 'secret-token', expiresAt: inAnHour() }),
      'GET /users/me': () => json(200, me),
    });
    const s = newSession(server.fetch);
    await s.start();
    expect(s.accessToken()).toBe('secret-token');
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });
});

describe('Session calls', () => {
  function signedIn(server: ReturnType<typeof fakeServer>, options: SessionOptions = {}) {
    const s = newSession(server.fetch, options);
    s.signIn({ accessToken: 'old', expiresAt: inAnHour(), user: me });
    return s;
  }

  it('sends the access token as Bearer', async () => {
    const server = fakeServer({ 'GET /groups': () => json(200, { items: [] }) });
    const s = signedIn(server);
    await s.api.get('/groups');
    expect(bearer(server.calls[0])).toBe('Bearer old');
  });

  it('refreshes once on a 401 and retries the call once with the new token', async () => {
    const server = fakeServer({
      'GET /groups': (c) =>
        bearer(c) === 'Bearer new' ? json(200, { items: [1] }) : unauthenticated(),
      'POST /auth/refresh': () => json(200, { accessToken: 'new', expiresAt: inAnHour() }),
    });
    const s = signedIn(server);

    await expect(s.api.get('/groups')).resolves.toEqual({ items: [1] });

    expect(server.calls.map((c) => `${c.method} ${c.path} ${bearer(c) ?? ''}`)).toEqual([
      'GET /groups Bearer old',
      'POST /auth/refresh ',
      'GET /groups Bearer new',
    ]);
    expect(s.getState().status).toBe('signedIn');
  });

  it('shares one refresh among concurrent 401s', async () => {
    const held = gate();
    const server = fakeServer({
      'GET /a': (c) => (bearer(c) === 'Bearer new' ? json(200, 'a') : unauthenticated()),
      'GET /b': (c) => (bearer(c) === 'Bearer new' ? json(200, 'b') : unauthenticated()),
      'GET /c': (c) => (bearer(c) === 'Bearer new' ? json(200, 'c') : unauthenticated()),
      'POST /auth/refresh': async () => {
        await held.opened;
        return json(200, { accessToken: 'new', expiresAt: inAnHour() });
      },
    });
    const s = signedIn(server);

    const all = Promise.all([s.api.get('/a'), s.api.get('/b'), s.api.get('/c')]);
    await vi.waitFor(() => expect(server.count('POST', '/auth/refresh')).toBe(1));
    held.open();

    await expect(all).resolves.toEqual(['a', 'b', 'c']);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(server.calls.filter((c) => bearer(c) === 'Bearer new')).toHaveLength(3);
  });

  it('retries a late 401 with a token another call already refreshed, without refreshing again', async () => {
    const lateAnswer = gate();
    const server = fakeServer({
      'GET /fast': (c) => (bearer(c) === 'Bearer new' ? json(200, 'fast') : unauthenticated()),
      'GET /slow': async (c) => {
        if (bearer(c) === 'Bearer new') return json(200, 'slow');
        await lateAnswer.opened;
        return unauthenticated();
      },
      'POST /auth/refresh': () => json(200, { accessToken: 'new', expiresAt: inAnHour() }),
    });
    const s = signedIn(server);

    const slow = s.api.get('/slow');
    await expect(s.api.get('/fast')).resolves.toBe('fast');
    lateAnswer.open();

    await expect(slow).resolves.toBe('slow');
    expect(server.count('POST', '/auth/refresh')).toBe(1);
  });

  it('retries only once: a second 401 reaches the caller', async () => {
    const server = fakeServer({
      'GET /groups': unauthenticated,
      'POST /auth/refresh': () => json(200, { accessToken: 'new', expiresAt: inAnHour() }),
    });
    const s = signedIn(server);

    const err = await s.api.get('/groups').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(server.count('GET', '/groups')).toBe(2);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
  });

  it('signs out when the refresh is refused, and the call fails with its 401', async () => {
    const server = fakeServer({ 'GET /groups': unauthenticated, 'POST /auth/refresh': unauthenticated });
    const s = signedIn(server);
    const seen: string[] = [];
    s.subscribe(() => seen.push(s.getState().status));

    const err = await s.api.get('/groups').catch((e: unknown) => e);

    expect((err as ApiError).code).toBe('unauthenticated');
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'expired' });
    expect(s.accessToken()).toBeNull();
    expect(seen).toEqual(['signedOut']);
    expect(server.count('GET', '/groups')).toBe(1);
  });

  it('keeps the session when the refresh fails for a reason other than a refusal', async () => {
    const server = fakeServer({
      'GET /groups': unauthenticated,
      'POST /auth/refresh': () => json(503, { error: { code: 'unavailable', message: 'later' } }),
    });
    const s = signedIn(server);

    const err = await s.api.get('/groups').catch((e: unknown) => e);

    expect((err as ApiError).code).toBe('unavailable');
    expect(s.getState().status).toBe('signedIn');
    expect(s.accessToken()).toBe('old');
  });

  it('does not refresh for a 401 on a call made without a token (a wrong password)', async () => {
    const server = fakeServer({ 'POST /auth/login': unauthenticated });
    const s = newSession(server.fetch);
    await expect(s.api.post('/auth/login', { email: 'x', password: 'y' })).rejects.toMatchObject({
      status: 401,
    });
    expect(server.count('POST', '/auth/refresh')).toBe(0);
  });

  it('refreshes in the background shortly before the token expires', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-27T10:00:00Z') });
    const server = fakeServer({
      'POST /auth/refresh': () =>
        json(200, { accessToken: 'next', expiresAt: '2026-11-27T10:30:00Z' }),
    });
    const s = newSession(server.fetch, { refreshLeadMs: 60_000, withLock: noLock });
    s.signIn({ accessToken: 'first', expiresAt: '2026-11-27T10:15:00Z', user: me });

    await vi.advanceTimersByTimeAsync(13 * 60_000 + 59_000);
    expect(server.count('POST', '/auth/refresh')).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(s.accessToken()).toBe('next');

    // The next one is scheduled from the new expiry: at 10:29, 15 min later.
    await vi.advanceTimersByTimeAsync(15 * 60_000 - 1_000);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.count('POST', '/auth/refresh')).toBe(2);
  });

  it('retries a background refresh that failed for a transient reason', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-27T10:00:00Z') });
    let fail = true;
    const server = fakeServer({
      'POST /auth/refresh': () =>
        fail
          ? json(503, { error: { code: 'unavailable', message: 'later' } })
          : json(200, { accessToken: 'next', expiresAt: '2026-11-27T11:00:00Z' }),
    });
    const s = newSession(server.fetch, { refreshLeadMs: 60_000, retryDelayMs: 10_000, withLock: noLock });
    s.signIn({ accessToken: 'first', expiresAt: '2026-11-27T10:05:00Z', user: me });

    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(server.count('POST', '/auth/refresh')).toBe(1);
    expect(s.getState().status).toBe('signedIn');
    fail = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.count('POST', '/auth/refresh')).toBe(2);
    expect(s.accessToken()).toBe('next');
  });

  it('does not refresh in a loop when the local clock is past the expiry', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-27T12:00:00Z') });
    const server = fakeServer({
      'POST /auth/refresh': () =>
        json(200, { accessToken: 'next', expiresAt: '2026-11-27T10:15:00Z' }),
    });
    const s = newSession(server.fetch);
    s.signIn({ accessToken: 'first', expiresAt: '2026-11-27T10:15:00Z', user: me });
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.count('POST', '/auth/refresh')).toBe(0);
  });

  it('serializes refreshes through the lock', async () => {
    const order: string[] = [];
    const server = fakeServer({
      'POST /auth/refresh': () => {
        order.push('refresh');
        return json(200, { accessToken: 'n', expiresAt: inAnHour() });
      },
    });
    const s = signedIn(server, {
      withLock: async (fn) => {
        order.push('lock');
        try {
          return await fn();
        } finally {
          order.push('unlock');
        }
      },
    });
    await s.refresh();
    expect(order).toEqual(['lock', 'refresh', 'unlock']);
  });
});

describe('Session sign-out', () => {
  it('revokes the session on the server with the token, then forgets it', async () => {
    const server = fakeServer({ 'POST /auth/logout': () => new Response(null, { status: 204 }) });
    const s = newSession(server.fetch);
    s.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: me });

    await s.signOut();

    const call = server.calls.find((c) => c.path === '/auth/logout');
    expect(bearer(call)).toBe('Bearer tok');
    expect(call?.credentials).toBe('same-origin');
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'signedOut' });
    expect(s.accessToken()).toBeNull();
  });

  it('signs out locally even when the server cannot be reached', async () => {
    const s = newSession(async () => {
      throw new TypeError('Failed to fetch');
    });
    s.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: me });
    await s.signOut();
    expect(s.getState()).toEqual({ status: 'signedOut', reason: 'signedOut' });
  });

  it('drops a refresh answer that arrives after signing out', async () => {
    const held = gate();
    const server = fakeServer({
      'POST /auth/refresh': async () => {
        await held.opened;
        return json(200, { accessToken: 'zombie', expiresAt: inAnHour() });
      },
    });
    const s = newSession(server.fetch);
    s.signIn({ accessToken: 'tok', expiresAt: inAnHour(), user: me });
    const pending = s.refresh();
    s.end('signedOut');
    held.open();
    await pending;
    expect(s.accessToken()).toBeNull();
    expect(s.getState().status).toBe('signedOut');
  });
});
