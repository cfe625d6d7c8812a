import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { callSocketUrl, getCall, getGroup, isApiError, type GroupDetail } from '../../api';
import { useToast } from '../../components/Toast';
import { useSession } from '../../session/SessionContext';
import { useChatFrames } from '../chat/ChatContext';
import type { ServerFrame } from '../chat/frames';
import { useGroups } from '../groups/GroupsContext';
import { useSelectedGroupId } from '../groups/GroupSidebar';
import { CallSession, type CallOptions, type CallSnapshot } from './session';

/** Whether a group has a call on, and who is in it (user ids, in order of joining). */
export interface CallInfo {
  active: boolean;
  participants: string[];
  startedAt: string | null;
}

export interface CallData {
  /** My call (at most one), also after it ended until dismissed. */
  session: CallSession | null;
  /** The group of my call, kept fresh for names and rights. */
  group: GroupDetail | null;
  /** The call fills the main area (true) or is a bar above the chat (false). */
  expanded: boolean;
  setExpanded: (expanded: boolean) => void;
  /** The group whose call is being started, while it is. */
  starting: string | null;
  /** Starts or joins the group's call, leaving any other call first. */
  start: (group: GroupDetail, video: boolean) => Promise<void>;
  /** Leaves my call. */
  leave: () => void;
  /** Dismisses an ended call. */
  dismiss: () => void;
  /** What this client knows of a group's call (from the chat socket and GET /calls). */
  info: (groupId: string) => CallInfo | undefined;
  /** Fetches a group's call state (GET /calls/{groupId}). */
  load: (groupId: string) => void;
}

const CallContext = createContext<CallData | null>(null);

/** The calls of the surrounding CallProvider, or null outside one (tests of single views). */
export function useCalls(): CallData | null {
  return useContext(CallContext);
}

const idle = (): (() => void) => () => {};

/** The snapshot of a call session (null without one); re-renders on every change. */
export function useCallSnapshot(session: CallSession | null): CallSnapshot | null {
  return useSyncExternalStore(session?.subscribe ?? idle, session ? session.getSnapshot : () => null);
}

/** A group's call state; fetched once when the view mounts, then kept live by the chat socket. */
export function useCallInfo(groupId: string): CallInfo | undefined {
  const calls = useCalls();
  const load = calls?.load;
  useEffect(() => {
    load?.(groupId);
  }, [load, groupId]);
  return calls?.info(groupId);
}

/** How call sessions are made; tests provide one with fake sockets, peers and devices. */
export const CallSessionFactory = createContext<(opts: CallOptions) => CallSession>((opts) => new CallSession(opts));

/**
 * Owns my call: starts and leaves it, keeps its group fresh (names,
 * rights), collapses it to a bar when another group opens, and leaves it
 * when the page goes away. Also tracks which groups have a call on, from
 * `call.updated` / `call.ended` on the chat socket and GET /calls/{groupId}.
 */
export function CallProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const createSession = useContext(CallSessionFactory);
  const toast = useToast();
  const { tick } = useGroups();
  const selected = useSelectedGroupId();
  const [call, setCall] = useState<CallSession | null>(null);
  const [group, setGroup] = useState<GroupDetail | null>(null);
  const [expanded, setExpanded] = useState(false);
  const [starting, setStarting] = useState<string | null>(null);
  const [infos, setInfos] = useState<Record<string, CallInfo>>({});
  const callRef = useRef<CallSession | null>(null);
  const groupRef = useRef<GroupDetail | null>(null);
  const loaded = useRef(new Set<string>());

  const load = useCallback(
    (groupId: string) => {
      loaded.current.add(groupId);
      getCall(session.api, groupId).then(
        (state) =>
          setInfos((m) => ({
            ...m,
            [groupId]: {
              active: state.active,
              participants: [...new Set(state.participants.map((p) => p.userId))],
              startedAt: state.startedAt,
            },
          })),
        () => {
          // No call service, or not a member: nothing to show.
        },
      );
    },
    [session],
  );

  useChatFrames(
    useCallback(
      (f: ServerFrame) => {
        if (f.type === 'call.updated') {
          setInfos((m) => ({ ...m, [f.groupId]: { active: true, participants: f.participants, startedAt: f.startedAt } }));
        } else if (f.type === 'call.ended') {
          setInfos((m) => ({ ...m, [f.groupId]: { active: false, participants: [], startedAt: null } }));
        } else if (f.type === 'ready') {
          // Reconnected: frames may have been missed.
          for (const id of loaded.current) load(id);
        }
      },
      [load],
    ),
  );

  // The call's group: names and rights may change during the call.
  const callGroupId = call?.groupId ?? null;
  useEffect(() => {
    if (!callGroupId) return undefined;
    const ctrl = new AbortController();
    getGroup(session.api, callGroupId, ctrl.signal).then(setGroup, () => {});
    return () => ctrl.abort();
  }, [session, callGroupId, tick]);

  // Opening another group collapses the call to its bar.
  const lastSelected = useRef(selected);
  useEffect(() => {
    if (lastSelected.current !== selected) setExpanded(false);
    lastSelected.current = selected;
  }, [selected]);

  const replace = useCallback((next: CallSession | null) => {
    const old = callRef.current;
    if (old && old !== next) old.leave();
    callRef.current = next;
    setCall(next);
  }, []);

  const start = useCallback(
    async (g: GroupDetail, video: boolean) => {
      const current = callRef.current;
      if (current && current.groupId === g.id && !current.getSnapshot().ended) {
        setExpanded(true);
        return;
      }
      setStarting(g.id);
      try {
        // Asks first whether calls work here at all, so that a server without them gives a clear answer.
        await getCall(session.api, g.id);
      } catch (err) {
        setStarting(null);
        toast(isApiError(err, 'not_found') || isApiError(err, 'unavailable') ? 'Calls are not available right now.' : isApiError(err) ? err.message : 'Could not start the call.');
        return;
      }
      setStarting(null);
      if (current && !current.getSnapshot().ended) toast(`You left the call${groupRef.current ? ` in ${groupRef.current.name}` : ''}.`, 'info');
      const opts: CallOptions = {
        groupId: g.id,
        url: callSocketUrl(g.id),
        audio: true,
        video,
        getToken: () => session.accessToken(),
        refreshToken: () => session.refresh(),
      };
      const next = createSession(opts);
      setGroup(g);
      replace(next);
      setExpanded(true);
      next.start();
    },
    [session, toast, createSession, replace],
  );

  const leave = useCallback(() => {
    const c = callRef.current;
    if (!c) return;
    c.leave();
    replace(null);
    setExpanded(false);
  }, [replace]);

  const dismiss = useCallback(() => {
    replace(null);
    setExpanded(false);
  }, [replace]);

  // A call that ends by itself (removed, full, failed) stays on screen, expanded, to say why.
  useEffect(() => {
    if (!call) return undefined;
    return call.subscribe(() => {
      const ended = call.getSnapshot().ended;
      if (ended && ended.reason !== 'left') setExpanded(true);
    });
  }, [call]);

  // Leaving the page or signing out leaves the call.
  useEffect(() => {
    const bye = () => callRef.current?.leave();
    window.addEventListener('pagehide', bye);
    return () => {
      window.removeEventListener('pagehide', bye);
      bye();
    };
  }, []);

  useEffect(() => {
    groupRef.current = group;
  }, [group]);

  const info = useCallback((groupId: string) => infos[groupId], [infos]);

  const value = useMemo<CallData>(
    () => ({ session: call, group, expanded, setExpanded, starting, start, leave, dismiss, info, load }),
    [call, group, expanded, starting, start, leave, dismiss, info, load],
  );
  return <CallContext.Provider value={value}>{children}</CallContext.Provider>;
}
