/**
 * One chat WebSocket per signed-in session (API.md "Chat WebSocket"). It
 * authenticates with the in-memory access token (and again whenever the
 * token changes), keeps lastSeq per group, fetches ?after=lastSeq on a seq
 * jump and after every reconnect so that nothing is missed, and reconnects
 * with backoff and jitter. Catch-up messages are delivered to listeners as
 * message.created frames, exactly like live ones, in seq order.
 */
import type { MessagePage } from '../../api/types';
import { backoffDelay } from './backoff';
import { parseFrame, type ClientFrame, type ServerFrame } from './frames';
import { SeqTracker } from './seq';

export type ConnectionStatus = 'connecting' | 'online' | 'offline' | 'stopped';

/** The parts of WebSocket the connection uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ConnectionOptions {
  url: string;
  getToken: () => string | null;
  /** Gets a fresh token after a 4001; null ends the connection (signed out). */
  refreshToken: () => Promise<string | null>;
  fetchAfter: (groupId: string, after: number) => Promise<MessagePage>;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
  /** How often to check whether the token changed (to re-send auth). */
  tokenCheckMs?: number;
  /** How often to ping; a pong must arrive before the next ping. */
  pingMs?: number;
  /** Whether the browser believes it is online; when not, wait for 'online'. */
  isOnline?: () => boolean;
}

const OPEN = 1;

export class ChatConnection {
  readonly seqs = new SeqTracker();
  private socket: SocketLike | null = null;
  private status: ConnectionStatus = 'offline';
  private authedToken: string | null = null;
  private ready = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private tokenTimer: ReturnType<typeof setInterval> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private awaitingPong = false;
  private stopped = true;
  private readonly frameListeners = new Set<(f: ServerFrame) => void>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private readonly catchingUp = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly opts: ConnectionOptions) {}

  getStatus(): ConnectionStatus {
    return this.status;
  }

  onFrame(listener: (f: ServerFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onStatus(listener: (s: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tokenTimer = setInterval(() => this.checkToken(), this.opts.tokenCheckMs ?? 5_000);
    this.pingTimer = setInterval(() => this.ping(), this.opts.pingMs ?? 25_000);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.tokenTimer);
    clearInterval(this.pingTimer);
    this.drop(1000, 'bye');
    this.setStatus('stopped');
  }

  /** The browser went offline: drop the socket and wait for online(). */
  offline(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.drop(1000, 'offline');
    this.setStatus('offline');
  }

  /** The browser is back online: reconnect now. */
  online(): void {
    if (this.stopped || this.socket) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  /** Sends a frame over the socket; false when it is not open and authenticated (use REST). */
  send(frame: ClientFrame): boolean {
    if (!this.ready || !this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Fetches what the group missed after lastSeq (loops while hasMore) and delivers it. */
  catchUp(groupId: string): Promise<void> {
    this.dirty.add(groupId);
    const running = this.catchingUp.get(groupId);
    if (running) return running;
    const run = (async () => {
      try {
        while (this.dirty.has(groupId)) {
          this.dirty.delete(groupId);
          let more = true;
          while (more && !this.stopped) {
            const after = this.seqs.get(groupId) ?? 0;
            const page = await this.opts.fetchAfter(groupId, after);
            for (const m of page.items) this.deliverMessage(m.seq, () => ({ type: 'message.created', message: m }), groupId);
            more = page.hasMore && page.items.length > 0;
          }
        }
      } catch {
        // Try again on the next gap or reconnect.
      } finally {
        this.catchingUp.delete(groupId);
      }
    })();
    this.catchingUp.set(groupId, run);
    return run;
  }

  private deliverMessage(seq: number, frame: () => ServerFrame, groupId: string): void {
    const verdict = this.seqs.check(groupId, seq);
    if (verdict.kind === 'old') return;
    if (verdict.kind === 'gap') {
      void this.catchUp(groupId);
      return;
    }
    this.seqs.advance(groupId, seq);
    this.emit(frame());
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.opts.isOnline && !this.opts.isOnline()) {
      this.setStatus('offline');
      return;
    }
    this.setStatus('connecting');
    const make = this.opts.createSocket ?? ((url: string) => new WebSocket(url));
    let socket: SocketLike;
    try {
      socket = make(this.opts.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    this.ready = false;
    this.awaitingPong = false;
    socket.onopen = () => {
      const token = this.opts.getToken();
      this.authedToken = token;
      socket.send(JSON.stringify({ type: 'auth', token: token ?? '' }));
    };
    socket.onmessage = (ev) => {
      if (socket !== this.socket) return;
      const frame = parseFrame(ev.data);
      if (frame) this.handle(frame);
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.ready = false;
      void this.closed(ev.code);
    };
  }

  private async closed(code: number): Promise<void> {
    if (this.stopped) return;
    this.setStatus('offline');
    if (code === 4001) {
      const token = await this.opts.refreshToken().catch(() => null);
      if (token === null) {
        this.stop();
        return;
      }
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.opts.random ? { random: this.opts.random } : {});
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private handle(frame: ServerFrame): void {
    switch (frame.type) {
      case 'ready': {
        this.ready = true;
        this.attempt = 0;
        this.setStatus('online');
        for (const { groupId } of this.seqs.ready(frame.groups)) void this.catchUp(groupId);
        this.emit(frame);
        return;
      }
      case 'message.created':
        this.deliverMessage(frame.message.seq, () => frame, frame.message.groupId);
        return;
      case 'pong':
        this.awaitingPong = false;
        return;
      case 'group.deleted':
        this.seqs.forget(frame.groupId);
        this.emit(frame);
        return;
      default:
        this.emit(frame);
    }
  }

  private checkToken(): void {
    const token = this.opts.getToken();
    if (!this.ready || !this.socket || this.socket.readyState !== OPEN || token === null || token === this.authedToken) return;
    this.authedToken = token;
    this.socket.send(JSON.stringify({ type: 'auth', token }));
  }

  private ping(): void {
    if (!this.ready || !this.socket || this.socket.readyState !== OPEN) return;
    if (this.awaitingPong) {
      // No pong since the last ping: the connection is dead.
      const s = this.socket;
      this.socket = null;
      this.ready = false;
      s.close(4000, 'no pong');
      void this.closed(1006);
      return;
    }
    this.awaitingPong = true;
    this.socket.send(JSON.stringify({ type: 'ping' }));
  }

  private drop(code: number, reason: string): void {
    const s = this.socket;
    this.socket = null;
    this.ready = false;
    if (s) {
      s.onclose = null;
      s.onmessage = null;
      try {
        s.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  private setStatus(s: ConnectionStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const l of [...this.statusListeners]) l(s);
  }

  private emit(frame: ServerFrame): void {
    for (const l of [...this.frameListeners]) l(frame);
  }
}
