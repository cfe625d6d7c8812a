/**
 * The signed-in session: who the user is and the access token that proves it.
 *
 * The access token lives in this object's memory only, never in
 * localStorage or sessionStorage, so a script injected into the page cannot
 * lift a long-lived credential from storage. What survives a reload is the
 * refresh token, which the server keeps in an HttpOnly cookie that scripts
 * cannot read; `start()` trades it for a new access token
 * (`POST /auth/refresh` with the CSRF header) to restore the session
 * silently.
 *
 * Guarantees:
 * - Every call through `api` (and `authorized`) sends the current token as
 *   Bearer. A 401 on a call that carried a token triggers one refresh and
 *   one retry of that call, never more.
 * - Concurrent 401s share one refresh, and a 401 for a token that has since
 *   been replaced is retried with the new one without refreshing again.
 * - When the server rejects the refresh (401/403) the session ends (state
 *   `signedOut`, reason `expired`). A refresh that fails for another reason
 *   (offline, 5xx) keeps the session and surfaces that error.
 * - The token is refreshed shortly before `expiresAt` in the background
 *   (never in a loop: a token this machine's clock already sees as expired
 *   is refreshed only when a call gets its 401).
 * - Refreshes are serialized across tabs (lock.ts): with the Web Locks API
 *   where the browser has it, else, on plain-HTTP origins, with a lock in
 *   localStorage: two tabs rotating the same cookie at once would look like
 *   token reuse to the server, which then revokes the whole session.
 */
import { createClient, type ApiClient, type FetchLike, type RequestOptions } from '../api/client';
import { isApiError } from '../api/errors';
import { getMe, logout, refreshAccess } from '../api/accounts';
import type { AccessGrant, LoginResult, Me } from '../api/types';
import { browserLock, type LockRunner } from './lock';

/** Why the user is signed out, so the UI can say the right thing. */
export type SignOutReason =
  /** Nothing to restore when the app started. */
  | 'initial'
  /** The user signed out. */
  | 'signedOut'
  /** The server no longer accepts the session (expired, revoked). */
  | 'expired'
  /** The password was reset, which ends every session. */
  | 'passwordReset';

export type SessionState =
  | { readonly status: 'restoring' }
  | { readonly status: 'signedOut'; readonly reason: SignOutReason }
  | { readonly status: 'signedIn'; readonly me: Me };


export interface SessionOptions {
  /** Prefix of the API; defaults to `/api/v1`. */
  baseUrl?: string;
  /** The fetch to use; tests pass their own. */
  fetch?: FetchLike;
  /** Refresh this long before the access token expires. Default 60 s. */
  refreshLeadMs?: number;
  /** Never schedule a background refresh sooner than this. Default 5 s. */
  minRefreshDelayMs?: number;
  /** Wait this long before retrying a background refresh that failed. Default 15 s. */
  retryDelayMs?: number;
  /** The clock; tests pass their own. */
  now?: () => number;
  /** Serializes refreshes; defaults to browserLock() (lock.ts). */
  withLock?: LockRunner;
}

/** A rejection by the server of the refresh cookie (as opposed to an outage). */
function isAuthRejection(err: unknown): boolean {
  return isApiError(err) && (err.status === 401 || err.status === 403);
}

export class Session {
  /** Sends the access token, refreshing and retrying once on a 401. */
  readonly api: ApiClient;
  /** Never sends a token: for the calls made while signed out. */
  readonly publicApi: ApiClient;

  private state: SessionState = { status: 'restoring' };
  private token: string | null = null;
  private readonly listeners = new Set<() => void>();
  private refreshing: Promise<string | null> | null = null;
  private started: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped whenever the session changes hands, so late answers are dropped. */
  private generation = 0;
  private readonly leadMs: number;
  private readonly minDelayMs: number;
  private readonly retryDelayMs: number;
  private readonly now: () => number;
  private readonly withLock: LockRunner;

  constructor(options: SessionOptions = {}) {
    const base = {
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    };
    this.publicApi = createClient(base);
    this.leadMs = options.refreshLeadMs ?? 60_000;
    this.minDelayMs = options.minRefreshDelayMs ?? 5_000;
    this.retryDelayMs = options.retryDelayMs ?? 15_000;
    this.now = options.now ?? (() => Date.now());
    this.withLock = options.withLock ?? browserLock();

    const raw = this.publicApi;
    const send = <T>(method: Parameters<ApiClient['request']>[0], path: string, o: RequestOptions = {}) =>
      this.authorized((token) =>
        raw.request<T>(method, path, {
          ...o,
          headers: { ...o.headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        }),
      );
    this.api = {
      request: send,
      get: (path, o) => send('GET', path, o),
      post: (path, body, o) => send('POST', path, { ...o, body }),
      put: (path, body, o) => send('PUT', path, { ...o, body }),
      patch: (path, body, o) => send('PATCH', path, { ...o, body }),
      delete: (path, o) => send('DELETE', path, o),
    };
  }

  /** The current state; stable between changes (for useSyncExternalStore). */
  readonly getState = (): SessionState => this.state;

  /** Calls onChange after every state change; returns the unsubscribe. */
  readonly subscribe = (onChange: () => void): (() => void) => {
    this.listeners.add(onChange);
    return () => {
      this.listeners.delete(onChange);
    };
  };

  /** The access token, or null when signed out. */
  accessToken(): string | null {
    return this.token;
  }

  /**
   * Restores the session from the refresh cookie, once: later calls return
   * the same promise. Ends in `signedIn` or `signedOut`; never rejects.
   */
  start(): Promise<void> {
    this.started ??= this.restore();
    return this.started;
  }

  private async restore(): Promise<void> {
    try {
      const token = await this.refresh();
      if (token === null || this.state.status !== 'restoring') return;
      const me = await getMe(this.api);
      if (this.token === null || this.state.status !== 'restoring') return;
      this.setState({ status: 'signedIn', me });
    } catch {
      // Offline or a server error: nothing to restore from here.
      if (this.state.status === 'restoring') this.end('initial');
    }
  }

  /** Takes over the session a successful sign-in returned. */
  signIn(result: LoginResult): void {
    this.generation++;
    this.useGrant(result);
    this.setState({ status: 'signedIn', me: result.user });
  }

  /** Replaces the signed-in user's data (after a profile change). */
  updateMe(me: Me): void {
    if (this.state.status === 'signedIn') this.setState({ status: 'signedIn', me });
  }

  /**
   * Gets a new access token from the refresh cookie. Concurrent callers
   * share one request. Resolves with the token, or null when the server
   * refused (the session has then ended); rejects with the ApiError of any
   * other failure, leaving the session as it was.
   */
  refresh(): Promise<string | null> {
    if (this.refreshing) return this.refreshing;
    const gen = this.generation;
    const run = async (): Promise<string | null> => {
      let grant: AccessGrant;
      try {
        grant = await this.withLock(() => refreshAccess(this.publicApi));
      } catch (err) {
        if (gen !== this.generation) return this.token;
        if (isAuthRejection(err)) {
          this.end('expired');
          return null;
        }
        throw err;
      }
      if (gen !== this.generation) return this.token;
      this.useGrant(grant);
      return grant.accessToken;
    };
    const p = run().finally(() => {
      if (this.refreshing === p) this.refreshing = null;
    });
    this.refreshing = p;
    return p;
  }

  /**
   * Runs call with the current token (null when signed out). If it rejects
   * with a 401 and a token was sent, refreshes once (or adopts a token a
   * concurrent refresh already got) and runs call once more with it.
   */
  async authorized<T>(call: (token: string | null) => Promise<T>): Promise<T> {
    const sent = this.token;
    try {
      return await call(sent);
    } catch (err) {
      if (sent === null || !isApiError(err) || err.status !== 401) throw err;
      const fresh =
        this.refreshing ?? (this.token !== null && this.token !== sent ? this.token : this.refresh());
      const token = await fresh;
      if (token === null) throw err;
      return call(token);
    }
  }

  /**
   * Signs out on the server (POST /auth/logout), then locally. The local
   * sign-out happens even when the server cannot be reached: the user asked
   * to leave, and the access token expires on its own.
   */
  async signOut(): Promise<void> {
    if (this.token !== null) {
      try {
        await logout(this.api);
      } catch {
        // Ignored on purpose: see above.
      }
    }
    this.end('signedOut');
  }

  /** Forgets the session locally, without asking the server. */
  end(reason: SignOutReason): void {
    // A refusal while restoring only means there was nothing to restore.
    if (this.state.status === 'restoring' && reason === 'expired') reason = 'initial';
    this.generation++;
    this.token = null;
    this.clearTimer();
    this.setState({ status: 'signedOut', reason });
  }

  /** Stops the background refresh (for tests and hot reload). */
  dispose(): void {
    this.clearTimer();
    this.listeners.clear();
  }

  private useGrant(grant: AccessGrant): void {
    this.token = grant.accessToken;
    this.schedule(Date.parse(grant.expiresAt));
  }

  private schedule(expiresAt: number): void {
    this.clearTimer();
    const ttl = expiresAt - this.now();
    // Already "expired" by this machine's clock means the clock disagrees
    // with the server's: refreshing on a timer would loop, so leave it to
    // the 401 path.
    if (!(ttl > 0)) return;
    const delay = Math.max(this.minDelayMs, ttl > 2 * this.leadMs ? ttl - this.leadMs : ttl / 2);
    this.timer = setTimeout(() => this.backgroundRefresh(), delay);
  }

  private backgroundRefresh(): void {
    this.timer = undefined;
    if (this.token === null) return;
    this.refresh().catch(() => {
      if (this.token === null) return;
      this.clearTimer();
      this.timer = setTimeout(() => this.backgroundRefresh(), this.retryDelayMs);
    });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(next: SessionState): void {
    this.state = next;
    for (const fn of [...this.listeners]) fn();
  }
}
