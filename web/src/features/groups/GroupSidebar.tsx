import type { KeyboardEvent } from 'react';
import { Link, matchPath, usePathname } from '../../app/router';
import { Avatar } from '../../components/Avatar';
import { useGroups } from './GroupsContext';
import { useChat } from '../chat/ChatContext';
import { unreadLabel } from '../chat/unread';
import { PlusIcon, UsersIcon } from './icons';

/** The id of the group the path shows, or null. */
export function useSelectedGroupId(): string | null {
  const pathname = usePathname();
  return matchPath('/g/:groupId', pathname)?.['groupId'] ?? null;
}

/**
 * The left column: my groups (picture or initials, name, member count),
 * the open one marked, unread counts, and "New group". ↑/↓/Home/End move between groups.
 */
export function GroupSidebar({ onCreate }: { onCreate: () => void }) {
  const { groups, error, refresh } = useGroups();
  const selected = useSelectedGroupId();
  const chat = useChat();
  const unread = chat?.unread ?? {};
  const mentions = chat?.mentions ?? {};

  function onKeyDown(e: KeyboardEvent<HTMLUListElement>) {
    const links = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>('a.grouplist-item')];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = at + 1;
    else if (e.key === 'ArrowUp') next = at - 1;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = links.length - 1;
    if (next === null || links.length === 0) return;
    e.preventDefault();
    links[(next + links.length) % links.length]?.focus();
  }

  return (
    <nav className="app-sidebar" aria-label="Groups">
      <div className="app-sidebar-head">
        <h2 className="app-sidebar-title">Groups</h2>
        <button type="button" className="icon-button" aria-label="New group" title="New group" onClick={onCreate}>
          <PlusIcon />
        </button>
      </div>
      {groups === null ? (
        <ul className="grouplist" aria-busy="true" aria-label="Loading groups">
          {[0, 1, 2].map((i) => (
            <li key={i} className="grouplist-skeleton" />
          ))}
        </ul>
      ) : groups.length === 0 && error ? (
        <div className="app-sidebar-empty" role="alert">
          <p className="app-sidebar-empty-title">Could not load your groups</p>
          <p className="app-sidebar-empty-text">{error}</p>
          <button type="button" className="btn btn-secondary btn-sm" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      ) : groups.length === 0 ? (
        <div className="app-sidebar-empty">
          <span className="app-sidebar-empty-icon" aria-hidden="true">
            <UsersIcon />
          </span>
          <p className="app-sidebar-empty-title">No groups yet</p>
          <p className="app-sidebar-empty-text">Start one and invite people, or accept an invite.</p>
        </div>
      ) : (
        <ul className="grouplist" onKeyDown={onKeyDown}>
          {groups.map((g) => (
            <li key={g.id}>
              <Link
                to={`/g/${g.id}`}
                className="grouplist-item"
                aria-current={g.id === selected ? 'page' : undefined}
              >
                <Avatar name={g.name} src={g.pictureUrl} size="md" />
                <span className="grouplist-text">
                  <span className="grouplist-name">{g.name}</span>
                  <span className="grouplist-meta">
                    {g.memberCount} {g.memberCount === 1 ? 'member' : 'members'}
                  </span>
                </span>
                {(mentions[g.id] ?? 0) > 0 && (
                  <span className="grouplist-mention" aria-label={(mentions[g.id] ?? 0) === 1 ? 'mentioned you' : `mentioned you ${mentions[g.id] ?? 0} times`} title="You were mentioned">
                    @
                  </span>
                )}
                {(unread[g.id] ?? 0) > 0 && (
                  <span className="grouplist-unread" aria-label={`${unread[g.id] ?? 0} unread`}>
                    {unreadLabel(unread[g.id] ?? 0)}
                  </span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="sidebar-new" onClick={onCreate}>
        <PlusIcon />
        New group
      </button>
    </nav>
  );
}
