import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { getGroup, listGroups, listInvites, type Group, type Invite, type Member } from '../../api';
import { useSession } from '../../session/SessionContext';
import { isDirect, peerOf } from './direct';

/**
 * How often the lists are refetched while the page is visible: a fallback
 * only, since the chat WebSocket's group, member and invite frames trigger
 * a refresh at once.
 */
export const pollIntervalMs = 60_000;

export interface GroupsData {
  /** My groups, oldest first as the server lists them; null until the first load. */
  groups: Group[] | null;
  /** Pending invites I received, newest first. */
  received: Invite[];
  /** Pending invites I sent, newest first. */
  sent: Invite[];
  /** Why the last load failed, or null. */
  error: string | null;
  /** Counts refreshes; views holding their own data refetch when it changes. */
  tick: number;
  /** Refetches the lists now (and bumps `tick`). */
  refresh: () => Promise<void>;
  /** Puts a group into the list at once (after create or accept), before the refetch. */
  upsertGroup: (group: Group) => void;
  /**
   * The other person of each direct conversation, by group id (null: they
   * left it); absent until its members have loaded (GET /groups/{id}).
   */
  peers: Readonly<Record<string, Member | null>>;
  /** Records the other person of a direct conversation (its view loaded it afresh). */
  notePeer: (groupId: string, peer: Member | null) => void;
}

const GroupsContext = createContext<GroupsData | null>(null);

/** The groups and invites of the surrounding GroupsProvider. */
export function useGroups(): GroupsData {
  const data = useContext(GroupsContext);
  if (!data) throw new Error('useGroups needs a <GroupsProvider> above it');
  return data;
}

/** The groups of the surrounding GroupsProvider, or null outside one (tests of single dialogs). */
export function useGroupsIfAny(): GroupsData | null {
  return useContext(GroupsContext);
}

/**
 * Calls refresh when the window gains focus, when the tab becomes visible,
 * and every intervalMs while it is visible.
 */
export function useLiveRefresh(refresh: () => void, intervalMs: number = pollIntervalMs): void {
  const ref = useRef(refresh);
  useEffect(() => {
    ref.current = refresh;
  }, [refresh]);
  useEffect(() => {
    const visible = () => document.visibilityState !== 'hidden';
    const onFocus = () => ref.current();
    const onVisibility = () => {
      if (visible()) ref.current();
    };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisibility);
    const timer = intervalMs > 0 ? window.setInterval(() => visible() && ref.current(), intervalMs) : undefined;
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisibility);
      if (timer !== undefined) window.clearInterval(timer);
    };
  }, [intervalMs]);
}

/**
 * Loads my groups and pending invites, keeps them fresh (focus, visibility,
 * polling) and shares them with the shell, the sidebar and the dialogs.
 */
export function GroupsProvider({ children, intervalMs }: { children: ReactNode; intervalMs?: number }) {
  const session = useSession();
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [received, setReceived] = useState<Invite[]>([]);
  const [sent, setSent] = useState<Invite[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [peers, setPeers] = useState<Readonly<Record<string, Member | null>>>({});
  const peersRef = useRef(peers);
  peersRef.current = peers;
  const inFlight = useRef<Promise<void> | null>(null);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const refresh = useCallback((): Promise<void> => {
    if (inFlight.current) return inFlight.current;
    const run = (async () => {
      setTick((t) => t + 1);
      try {
        const [g, r, s] = await Promise.all([
          listGroups(session.api),
          listInvites(session.api, 'received'),
          listInvites(session.api, 'sent'),
        ]);
        if (!alive.current) return;
        setGroups(g);
        setReceived(r);
        setSent(s);
        setError(null);
        // The list has no members: a direct conversation's other person comes from its detail, once.
        const me = g[0]?.me.userId;
        const missing = g.filter((x) => isDirect(x) && !(x.id in peersRef.current));
        if (me !== undefined && missing.length > 0) {
          void Promise.allSettled(missing.map((x) => getGroup(session.api, x.id))).then((details) => {
            if (!alive.current) return;
            const found: Record<string, Member | null> = {};
            for (const d of details) if (d.status === 'fulfilled') found[d.value.id] = peerOf(d.value.members, me);
            setPeers((old) => ({ ...old, ...found }));
          });
        }
      } catch (err) {
        if (!alive.current) return;
        setError(err instanceof Error ? err.message : 'Could not load your groups.');
        setGroups((old) => old ?? []);
      } finally {
        inFlight.current = null;
      }
    })();
    inFlight.current = run;
    return run;
  }, [session]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  useLiveRefresh(() => void refresh(), intervalMs ?? pollIntervalMs);

  const upsertGroup = useCallback((group: Group) => {
    setGroups((old) => {
      const list = old ?? [];
      return list.some((x) => x.id === group.id)
        ? list.map((x) => (x.id === group.id ? group : x))
        : [...list, group];
    });
  }, []);

  const notePeer = useCallback((groupId: string, peer: Member | null) => {
    setPeers((old) => {
      const was = old[groupId];
      const same =
        groupId in old &&
        (was === peer ||
          (was != null && peer != null && was.userId === peer.userId && was.username === peer.username &&
            was.displayName === peer.displayName && was.pictureUrl === peer.pictureUrl));
      return same ? old : { ...old, [groupId]: peer };
    });
  }, []);

  const value = useMemo<GroupsData>(
    () => ({ groups, received, sent, error, tick, refresh, upsertGroup, peers, notePeer }),
    [groups, received, sent, error, tick, refresh, upsertGroup, peers, notePeer],
  );
  return <GroupsContext.Provider value={value}>{children}</GroupsContext.Provider>;
}
