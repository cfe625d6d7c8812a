import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Message, MessagePage } from '../../api/types';
import { ChatConnection, type SocketLike } from './connection';
import type { ServerFrame } from './frames';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  frame(f: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(f) }));
  }
  drop(code: number): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

const msg = (seq: number): Message => ({
  id: `m${seq}`,
  groupId: 'g1',
  seq,
  authorId: 'u',
  text: `t${seq}`,
  attachments: [],
  createdAt: '2026-11-27T10:00:00Z',
  clientMsgId: null,
  deleted: false,
  hidden: false,
});

function setup(fetchAfter: (g: string, after: number) => Promise<MessagePage>) {
  const sockets: FakeSocket[] = [];
  let token = 'tok-1';
  const refreshToken = vi.fn(() => Promise.resolve<string | null>((token = 'tok-2')));
  const conn = new ChatConnection({
    url: 'ws://test/api/v1/ws',
    getToken: () => token,
    refreshToken,
    fetchAfter,
    random: () => 1,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
  });
  const created: number[] = [];
  conn.onFrame((f: ServerFrame) => {
    if (f.type === 'message.created') created.push(f.message.seq);
  });
  return { conn, sockets, created, refreshToken, setToken: (t: string) => (token = t) };
}

describe('ChatConnection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('authenticates first, then delivers live messages in order', () => {
    const { conn, sockets, created } = setup(() => Promise.reject(new Error('unused')));
    conn.start();
    const s = sockets[0] as FakeSocket;
    s.open();
    expect(s.sent[0]).toEqual({ type: 'auth', token: 'tok-1' });
    s.frame({ type: 'ready', userId: 'u', groups: [{ groupId: 'g1', lastSeq: 4 }] });
    expect(conn.getStatus()).toBe('online');
    s.frame({ type: 'message.created', message: msg(5) });
    s.frame({ type: 'message.created', message: msg(5) });
    expect(created).toEqual([5]);
    conn.stop();
  });

  it('fetches ?after=lastSeq on a seq jump, looping while hasMore, without duplicates', async () => {
    const fetchAfter = vi.fn((_g: string, after: number): Promise<MessagePage> => {
      if (after === 4) return Promise.resolve({ items: [msg(5), msg(6)], hasMore: true });
      return Promise.resolve({ items: [msg(7), msg(8)], hasMore: false });
    });
    const { conn, sockets, created } = setup(fetchAfter);
    conn.start();
    const s = sockets[0] as FakeSocket;
    s.open();
    s.frame({ type: 'ready', userId: 'u', groups: [{ groupId: 'g1', lastSeq: 4 }] });
    s.frame({ type: 'message.created', message: msg(8) });
    await vi.runAllTicks();
    await Promise.resolve();
    await vi.waitFor(() => expect(created).toEqual([5, 6, 7, 8]));
    expect(fetchAfter.mock.calls.map((c) => c[1])).toEqual([4, 6]);
    conn.stop();
  });

  it('reconnects with backoff after a drop and catches up from lastSeq', async () => {
    const fetchAfter = vi.fn(() => Promise.resolve<MessagePage>({ items: [msg(6), msg(7)], hasMore: false }));
    const { conn, sockets, created } = setup(fetchAfter);
    conn.start();
    const first = sockets[0] as FakeSocket;
    first.open();
    first.frame({ type: 'ready', userId: 'u', groups: [{ groupId: 'g1', lastSeq: 5 }] });
    first.drop(1008);
    expect(conn.getStatus()).toBe('offline');
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(sockets).toHaveLength(2);
    const second = sockets[1] as FakeSocket;
    second.open();
    second.frame({ type: 'ready', userId: 'u', groups: [{ groupId: 'g1', lastSeq: 7 }] });
    await vi.waitFor(() => expect(created).toEqual([6, 7]));
    expect(fetchAfter).toHaveBeenCalledWith('g1', 5);
    conn.stop();
  });

  it('refreshes the token after 4001 before reconnecting, and re-sends auth when the token changes', async () => {
    const { conn, sockets, refreshToken, setToken } = setup(() => Promise.resolve({ items: [], hasMore: false }));
    conn.start();
    const first = sockets[0] as FakeSocket;
    first.open();
    first.frame({ type: 'ready', userId: 'u', groups: [] });
    setToken('tok-fresh');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(first.sent).toContainEqual({ type: 'auth', token: 'tok-fresh' });
    first.drop(4001);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(refreshToken).toHaveBeenCalledTimes(1);
    const second = sockets[1] as FakeSocket;
    second.open();
    expect(second.sent[0]).toEqual({ type: 'auth', token: 'tok-2' });
    conn.stop();
  });

  it('sends over the socket only when authenticated', () => {
    const { conn, sockets } = setup(() => Promise.resolve({ items: [], hasMore: false }));
    conn.start();
    const s = sockets[0] as FakeSocket;
    const frame = { type: 'message.send' as const, groupId: 'g1', clientMsgId: 'c', text: 'x', attachments: [] };
    expect(conn.send(frame)).toBe(false);
    s.open();
    expect(conn.send(frame)).toBe(false);
    s.frame({ type: 'ready', userId: 'u', groups: [] });
    expect(conn.send(frame)).toBe(true);
    conn.stop();
  });
});
