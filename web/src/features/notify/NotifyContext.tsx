import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { navigate } from '../../app/router';
import { useChatFrames } from '../chat/ChatContext';
import type { ServerFrame } from '../chat/frames';
import { directName, isDirect } from '../groups/direct';
import { useGroups } from '../groups/GroupsContext';
import { useSelectedGroupId } from '../groups/GroupSidebar';
import {
  defaultLevel,
  loadLevels,
  notificationBody,
  notificationsSupported,
  saveLevels,
  shouldNotify,
  type NotifyLevel,
} from './notify';

export type Permission = NotificationPermission | 'unsupported';

export interface NotifyData {
  permission: Permission;
  /** Asks the browser for permission (call from a click). */
  ask: () => Promise<void>;
  levelOf: (groupId: string) => NotifyLevel;
  setLevel: (groupId: string, level: NotifyLevel) => void;
}

const NotifyContext = createContext<NotifyData | null>(null);

/** The notifications of the surrounding NotifyProvider, or null outside one. */
export function useNotify(): NotifyData | null {
  return useContext(NotifyContext);
}

function currentPermission(): Permission {
  return notificationsSupported() ? Notification.permission : 'unsupported';
}

/**
 * Shows a desktop notification for the messages that deserve one
 * (notify.ts), once permission is granted; a click brings the tab forward
 * and opens the group. Permission is asked only when the user asks for it
 * (the user menu, or choosing a level).
 */
export function NotifyProvider({ me, children }: { me: string; children: ReactNode }) {
  const { groups, peers } = useGroups();
  const openGroupId = useSelectedGroupId();
  const [permission, setPermission] = useState<Permission>(currentPermission);
  const [levels, setLevels] = useState<Record<string, NotifyLevel>>(() => loadLevels(me));

  const levelOf = useCallback(
    (groupId: string): NotifyLevel => {
      const g = groups?.find((x) => x.id === groupId);
      return levels[groupId] ?? defaultLevel(g ? isDirect(g) : false);
    },
    [levels, groups],
  );

  const setLevel = useCallback(
    (groupId: string, level: NotifyLevel) => {
      setLevels((old) => {
        const next = { ...old, [groupId]: level };
        saveLevels(me, next);
        return next;
      });
    },
    [me],
  );

  const ask = useCallback(async () => {
    if (!notificationsSupported()) return;
    try {
      setPermission(await Notification.requestPermission());
    } catch {
      setPermission(currentPermission());
    }
  }, []);

  useChatFrames(
    useCallback(
      (f: ServerFrame) => {
        if (f.type !== 'message.created' || currentPermission() !== 'granted') return;
        const m = f.message;
        const onScreen = m.groupId === openGroupId && document.visibilityState === 'visible';
        if (!shouldNotify({ message: m, me, level: levelOf(m.groupId), onScreen, now: Date.now() })) return;
        const g = groups?.find((x) => x.id === m.groupId);
        const where = !g ? 'Parley' : isDirect(g) ? directName(peers[g.id]) : g.name;
        const mentioned = m.mentions?.includes(me) ?? false;
        try {
          const n = new Notification(mentioned && g && !isDirect(g) ? `${where}: you were mentioned` : where, {
            body: notificationBody(m),
            tag: `parley-${m.groupId}`,
          });
          n.onclick = () => {
            window.focus();
            navigate(`/g/${m.groupId}`);
            n.close();
          };
        } catch {
          // Some browsers allow notifications only from a service worker: none then.
        }
      },
      [me, openGroupId, levelOf, groups, peers],
    ),
  );

  const value = useMemo<NotifyData>(() => ({ permission, ask, levelOf, setLevel }), [permission, ask, levelOf, setLevel]);
  return <NotifyContext.Provider value={value}>{children}</NotifyContext.Provider>;
}
