import { useState, type KeyboardEvent } from 'react';
import { handle, type Group } from '../../api';
import { Link, matchPath, usePathname } from '../../app/router';
import { Avatar } from '../../components/Avatar';
import { useMe } from '../../session/SessionContext';
import { useGroups } from './GroupsContext';
import { useChat } from '../chat/ChatContext';
import { unreadLabel } from '../chat/unread';
import { directName, splitGroups } from './direct';
import { PlusIcon, UsersIcon } from './icons';
import { NewDirectDialog } from './NewDirectDialog';
import { WithPresence } from '../chat/PresenceDot';

/** The id of the group the path shows, or null. */
export function useSelectedGroupId(): string | null {
  const pathname = usePathname();
  return matchPath('/g/:groupId', pathname)?.['groupId'] ?? null;
}

interface Row {
  group: Group;
  name: string;
  avatar: { name: string; colorKey?: string | undefined; src: string | null };
  /** The other person of a direct conversation, whose presence shows on the avatar. */
  peerId?: string | undefined;
  meta: string;
}

/**
 * The left column: my groups (picture or initials, name, member count),
 * then my direct messages (named after the other person, with their
 * picture), the open one marked, unread counts, "New group" and "New
 * message". ↑/↓/Home/End move between all of them.
 */
export function GroupSidebar({ onCreate }: { onCreate: () => void }) {
  const { groups: all, error, refresh, peers } = useGroups();
  const selected = useSelectedGroupId();
  const chat = useChat();
  const unread = chat?.unread ?? {};
  const mentions = chat?.mentions ?? {};
  const [newDirect, setNewDirect] = useState(false);
  const me = useMe()?.id ?? all?.[0]?.me.userId ?? '';

  function onKeyDown(e: KeyboardEvent<HTMLElement>) {
    const links = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>('a.grouplist-item')];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (at < 0) return;
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = at + 1;
    else if (e.key === 'ArrowUp') next = at - 1;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = links.length - 1;
    if (next === null || links.length === 0) return;
    e.preventDefault();
    links[(next + links.length) % links.length]?.focus();
  }

  const { groups, directs } = splitGroups(all ?? []);
  const groupRows: Row[] = groups.map((g) => ({
    group: g,
    name: g.name,
    avatar: { name: g.name, src: g.pictureUrl },
    meta: `${g.memberCount} ${g.memberCount === 1 ? 'member' : 'members'}`,
  }));
  const directRows: Row[] = directs.map((g) => {
    const peer = peers[g.id];
    const name = peer === undefined ? '…' : directName(peer);
    return {
      group: g,
      name,
      avatar: { name, colorKey: peer?.username, src: peer?.pictureUrl ?? null },
      peerId: peer?.userId,
      meta: peer === undefined ? 'Direct message' : peer === null ? 'Left the conversation' : (handle(peer) ?? 'Direct message'),
    };
  });

  function item({ group: g, name, avatar, meta, peerId }: Row) {
    const count = unread[g.id] ?? 0;
    const mentioned = mentions[g.id] ?? 0;
    return (
      <li key={g.id}>
        <Link
          to={`/g/${g.id}`}
          className="grouplist-item"
          data-unread={count > 0 || undefined}
          aria-current={g.id === selected ? 'page' : undefined}
        >
          {peerId ? (
            <WithPresence userId={peerId}>
              <Avatar name={avatar.name} colorKey={avatar.colorKey} src={avatar.src} size="md" />
            </WithPresence>
          ) : (
            <Avatar name={avatar.name} colorKey={avatar.colorKey} src={avatar.src} size="md" />
          )}
          <span className="grouplist-text">
            <span className="grouplist-name">{name}</span>
            <span className="grouplist-meta">{meta}</span>
          </span>
          {mentioned > 0 && (
            <span className="grouplist-mention" aria-label={mentioned === 1 ? 'mentioned you' : `mentioned you ${mentioned} times`} title="You were mentioned">
              @
            </span>
          )}
          {count > 0 && (
            <span className="grouplist-unread" aria-label={`${count} unread`}>
              {unreadLabel(count)}
            </span>
          )}
        </Link>
      </li>
    );
  }

  return (
    <nav className="app-sidebar" aria-label="Groups" onKeyDown={onKeyDown}>
      <div className="app-sidebar-head">
        <h2 className="app-sidebar-title">Groups</h2>
        <button type="button" className="icon-button" aria-label="New group" title="New group" onClick={onCreate}>
          <PlusIcon />
        </button>
      </div>
      {all === null ? (
        <ul className="grouplist" aria-busy="true" aria-label="Loading groups">
          {[0, 1, 2].map((i) => (
            <li key={i} className="grouplist-skeleton" />
          ))}
        </ul>
      ) : all.length === 0 && error ? (
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
        <ul className="grouplist" aria-label="Your groups">
          {groupRows.map(item)}
        </ul>
      )}
      <button type="button" className="sidebar-new" onClick={onCreate}>
        <PlusIcon />
        New group
      </button>
      {all !== null && (
        <section className="sidebar-section" aria-labelledby="directs-title">
          <div className="app-sidebar-head">
            <h2 id="directs-title" className="app-sidebar-title">
              Direct messages
            </h2>
            <button type="button" className="icon-button" aria-label="New message" title="New message" onClick={() => setNewDirect(true)}>
              <PlusIcon />
            </button>
          </div>
          {directRows.length === 0 ? (
            <p className="sidebar-hint">Write to one person: find them with +, or with Message in a group’s members.</p>
          ) : (
            <ul className="grouplist" aria-label="Direct messages">
              {directRows.map(item)}
            </ul>
          )}
        </section>
      )}
      {newDirect && <NewDirectDialog me={me} onClose={() => setNewDirect(false)} />}
    </nav>
  );
}
