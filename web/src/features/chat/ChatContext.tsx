import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { getGroup, listGroups, listMessagesAfter, markRead as postRead } from '../../api';
import { useSession } from '../../session/SessionContext';
import { useGroups } from '../groups/GroupsContext';
import { useSelectedGroupId } from '../groups/GroupSidebar';
import { ChatConnection, type ConnectionStatus, type SocketLike } from './connection';
import type { ServerFrame } from './frames';
import {
  applyArrival,
  applyLocalRead,
  applyReadUpdated,
  countsOf,
  faviconWithCount,
  forgetGroup,
  fromReady,
  titleWithCount,
  type ReadStates,
} from './readState';
import type { UnreadCounts } from './unread';
import { applyPresence, AwayTracker, fromList, keepShared, type Presence } from './presence';
import './Chat.css';

export interface ChatData {
  connection: ChatConnection;
  status: ConnectionStatus;
  unread: UnreadCounts;
  /** Of the unread messages, those that mention me, per group id. */
  mentions: UnreadCounts;
  /** The server's read state per group (cursor, counts), kept current between frames. */
  reads: ReadStates;
  /** Marks a group read up to seq: at once here, on the server soon after (debounced). */
  markRead: (groupId: string, seq: number) => void;
  /** Who is online or away among the people I share a group with (absent: offline). */
  presence: Presence;
}

/** How long read marks gather before one `read` frame goes out per group. */
export const readDebounceMs = 400;

const ChatContext = createContext<ChatData | null>(null);

/** The chat of the surrounding ChatProvider, or null outside one (tests of single views). */
export function useChat(): ChatData | null {
  return useContext(ChatContext);
}

/** Calls listener for every frame of the chat connection (live and catch-up). */
export function useChatFrames(listener: (f: ServerFrame) => void): void {
  const chat = useChat();
  const ref = useRef(listener);
  useEffect(() => {
    ref.current = listener;
  }, [listener]);
  useEffect(() => chat?.connection.onFrame((f) => ref.current(f)), [chat?.connection]);
}

function socketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/api/v1/ws`;
}

/**
 * Owns the session's chat WebSocket: starts it when signed in, follows the
 * browser's online/offline events, counts unread messages (and apart, those
 * that mention me) of the groups not open, and refreshes the groups and invites when group, member or invite
 * frames arrive.
 */
export function ChatProvider({
  me,
  children,
  createSocket,
}: {
  me: string;
  children: ReactNode;
  createSocket?: (url: string) => SocketLike;
}) {
  const session = useSession();
  const { refresh } = useGroups();
  const openGroupId = useSelectedGroupId();
  const [status, setStatus] = useState<ConnectionStatus>('connecting');
  const [reads, setReads] = useState<ReadStates>({});
  const [presence, setPresence] = useState<Presence>(() => new Map());
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const readTimers = useRef(new Map<string, { seq: number; timer: ReturnType<typeof setTimeout> }>());

  const connection = useMemo(
    () =>
      new ChatConnection({
        url: socketUrl(),
        getToken: () => session.accessToken(),
        refreshToken: () => session.refresh(),
        fetchAfter: (groupId, after) => listMessagesAfter(session.api, groupId, after),
        isOnline: () => navigator.onLine !== false,
        ...(createSocket ? { createSocket } : {}),
      }),
    [session, createSocket],
  );

  const unread = useMemo(() => countsOf(reads, 'unread'), [reads]);
  const mentions = useMemo(() => countsOf(reads, 'mentions'), [reads]);
  const total = Object.values(unread).reduce((a, b) => a + b, 0);

  // "(3) Parley": the unread count in the tab's title.
  useEffect(() => {
    document.title = titleWithCount(document.title, total);
  }, [total, openGroupId]);
  useEffect(() => () => void (document.title = titleWithCount(document.title, 0)), []);

  // And on the favicon: a red dot with the count.
  const iconSvg = useRef<string | null>(null);
  useEffect(() => {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!link) return undefined;
    let alive = true;
    const original = link.dataset['original'] ?? link.getAttribute('href') ?? '/favicon.svg';
    link.dataset['original'] = original;
    const apply = (svg: string) => {
      if (!alive) return;
      link.href = total > 0 ? `data:image/svg+xml,${encodeURIComponent(faviconWithCount(svg, total))}` : original;
    };
    if (total === 0) link.href = original;
    else if (iconSvg.current !== null) apply(iconSvg.current);
    else
      void fetch(original)
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
        .then((svg) => {
          iconSvg.current = svg;
          apply(svg);
        })
        .catch(() => {});
    return () => {
      alive = false;
    };
  }, [total]);
  useEffect(
    () => () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
      if (link?.dataset['original']) link.href = link.dataset['original'];
    },
    [],
  );

  const markRead = useCallback(
    (groupId: string, seq: number) => {
      setReads((r) => applyLocalRead(r, groupId, seq));
      const pending = readTimers.current.get(groupId);
      if (pending && pending.seq >= seq) return;
      if (pending) clearTimeout(pending.timer);
      const timer = setTimeout(() => {
        readTimers.current.delete(groupId);
        if (!connection.send({ type: 'read', groupId, seq })) void postRead(session.api, groupId, seq).catch(() => {});
      }, readDebounceMs);
      readTimers.current.set(groupId, { seq, timer });
    },
    [connection, session],
  );

  const refreshSoon = useCallback(() => {
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => void refresh(), 150);
  }, [refresh]);

  // After member.removed, presence of those I no longer share a group with is forgotten
  // (websocket.md): the members of my remaining groups, looked up once things settle.
  const forgetTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const forgetUnsharedSoon = useCallback(() => {
    clearTimeout(forgetTimer.current);
    forgetTimer.current = setTimeout(() => {
      void listGroups(session.api)
        .then((list) => Promise.all(list.map((g) => getGroup(session.api, g.id))))
        .then((details) => {
          const shared = new Set(details.flatMap((d) => d.members.map((m) => m.userId)));
          setPresence((p) => keepShared(p, shared));
        })
        .catch(() => {});
    }, 1_000);
  }, [session]);
  useEffect(() => () => clearTimeout(forgetTimer.current), []);

  useEffect(() => {
    const offStatus = connection.onStatus(setStatus);
    const offFrame = connection.onFrame((f) => {
      switch (f.type) {
        case 'message.created':
          setReads((r) => applyArrival(r, f.message, me));
          return;
        case 'read.updated':
          setReads((r) => applyReadUpdated(r, f));
          return;
        case 'group.deleted':
          setReads((r) => forgetGroup(r, f.groupId));
          refreshSoon();
          return;
        case 'member.removed':
          if (f.userId === me) setReads((r) => forgetGroup(r, f.groupId));
          refreshSoon();
          forgetUnsharedSoon();
          return;
        case 'member.added':
          if (f.member.userId === me) void connection.catchUp(f.groupId);
          refreshSoon();
          return;
        case 'group.updated':
        case 'member.updated':
        case 'invite.created':
        case 'invite.updated':
          refreshSoon();
          return;
        case 'presence':
          setPresence((p) => applyPresence(p, [f]));
          return;
        case 'presence.batch':
          setPresence((p) => applyPresence(p, f.presence));
          return;
        case 'ready': {
          // The server's counts replace ours; anything else may have changed while disconnected.
          const state = fromReady(f.groups);
          if (state) setReads(state);
          setPresence(fromList(f.presence));
          away.connected();
          refreshSoon();
          return;
        }
        default:
      }
    });
    // My presence: away while the tab is hidden or I am idle, online when back (sent on change only).
    const away = new AwayTracker(
      (status) => connection.send({ type: 'presence', status }),
      () => document.visibilityState === 'hidden',
    );
    const onActive = () => away.active();
    const onVisibility = () => away.check();
    const idleTimer = setInterval(() => away.check(), 30_000);
    document.addEventListener('visibilitychange', onVisibility);
    for (const ev of ['keydown', 'pointerdown', 'pointermove'] as const) window.addEventListener(ev, onActive, { passive: true });
    const onOffline = () => connection.offline();
    const onOnline = () => connection.online();
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    connection.start();
    return () => {
      offStatus();
      offFrame();
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
      connection.stop();
      clearTimeout(refreshTimer.current);
      clearInterval(idleTimer);
      document.removeEventListener('visibilitychange', onVisibility);
      for (const ev of ['keydown', 'pointerdown', 'pointermove'] as const) window.removeEventListener(ev, onActive);
      for (const { timer } of readTimers.current.values()) clearTimeout(timer);
      readTimers.current.clear();
    };
  }, [connection, me, refreshSoon, forgetUnsharedSoon]);

  const value = useMemo<ChatData>(
    () => ({ connection, status, unread, mentions, reads, markRead, presence }),
    [connection, status, unread, mentions, reads, markRead, presence],
  );
  return <ChatContext.Provider value={value}>{children}</ChatContext.Provider>;
}

/**
 * A discreet banner while the connection is down ("Reconnecting…") and
 * for a moment after it is back ("Back online").
 */
export function ConnectionBanner() {
  const chat = useChat();
  const status = chat?.status ?? 'online';
  const [shown, setShown] = useState<'none' | 'down' | 'back'>('none');
  const wasOnline = useRef(false);

  useEffect(() => {
    if (status === 'online') {
      if (shown === 'down') {
        setShown('back');
        const t = setTimeout(() => setShown('none'), 2_500);
        return () => clearTimeout(t);
      }
      wasOnline.current = true;
      return undefined;
    }
    if (status === 'stopped') return undefined;
    // Only after having been online once, and not for a blip.
    if (!wasOnline.current && status === 'connecting') return undefined;
    const t = setTimeout(() => setShown('down'), status === 'offline' ? 0 : 800);
    return () => clearTimeout(t);
  }, [status]);

  if (shown === 'none') return null;
  return (
    <div className={`conn-banner conn-banner-${shown}`} role="status" aria-live="polite">
      <span className="conn-banner-dot" aria-hidden="true" />
      {shown === 'down' ? 'Reconnecting…' : 'Back online'}
    </div>
  );
}
