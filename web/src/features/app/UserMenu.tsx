import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { displayName, handle, type Me } from '../../api';
import { Avatar } from '../../components/Avatar';
import { BellIcon } from '../notify/BellIcon';
import { useNotify } from '../notify/NotifyContext';
import './UserMenu.css';

export interface UserMenuProps {
  me: Me;
  onProfile: () => void;
  onSignOut: () => void;
}

/**
 * The signed-in user's avatar and name, opening a menu with "Profile" and
 * "Sign out". Keyboard: Enter, Space or ↓ opens it on the first item, ↑ on
 * the last; ↑/↓/Home/End move; Esc closes it and returns to the button;
 * Tab or a click elsewhere closes it.
 */
export function UserMenu({ me, onProfile, onSignOut }: UserMenuProps) {
  const [open, setOpen] = useState(false);
  const notify = useNotify();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const focusOnOpen = useRef<'first' | 'last'>('first');
  const menuId = useId();

  useEffect(() => {
    if (!open) return undefined;
    const items = menuItems();
    (focusOnOpen.current === 'first' ? items[0] : items[items.length - 1])?.focus();
    const onPointerDown = (e: PointerEvent) => {
      if (e.target instanceof Node && !rootRef.current?.contains(e.target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  function menuItems(): HTMLElement[] {
    return [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  }

  function openAt(where: 'first' | 'last') {
    focusOnOpen.current = where;
    setOpen(true);
  }

  function close(returnFocus: boolean) {
    setOpen(false);
    if (returnFocus) buttonRef.current?.focus();
  }

  function onButtonKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      openAt('first');
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      openAt('last');
    }
  }

  function onMenuKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const items = menuItems();
    const at = items.indexOf(document.activeElement as HTMLElement);
    const move = (i: number) => {
      e.preventDefault();
      items[(i + items.length) % items.length]?.focus();
    };
    switch (e.key) {
      case 'ArrowDown':
        move(at + 1);
        break;
      case 'ArrowUp':
        move(at - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(items.length - 1);
        break;
      case 'Escape':
        e.preventDefault();
        close(true);
        break;
      case 'Tab':
        close(false);
        break;
    }
  }

  function choose(action: () => void) {
    close(true);
    action();
  }

  return (
    <div className="usermenu" ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        className="usermenu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => (open ? close(false) : openAt('first'))}
        onKeyDown={onButtonKeyDown}
      >
        <Avatar name={displayName(me)} colorKey={me.username} src={me.pictureUrl} size="sm" />
        <span className="usermenu-name">{displayName(me)}</span>
        <svg className="usermenu-chevron" width="14" height="14" viewBox="0 0 24 24" fill="none"
          stroke="currentColor" strokeWidth="2.2" strokeLinecap="round" strokeLinejoin="round"
          aria-hidden="true" focusable="false">
          <path d="m6 9 6 6 6-6" />
        </svg>
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          className="usermenu-popup"
          role="menu"
          aria-label="Account"
          onKeyDown={onMenuKeyDown}
        >
          <div className="usermenu-head" role="presentation">
            <Avatar name={displayName(me)} colorKey={me.username} src={me.pictureUrl} size="md" />
            <div className="usermenu-who">
              <span className="usermenu-who-name">{displayName(me)}</span>
              {handle(me) && <span className="usermenu-who-handle">{handle(me)}</span>}
              <span className="usermenu-who-email">{me.email}</span>
            </div>
          </div>
          <button type="button" role="menuitem" tabIndex={-1} className="usermenu-item" onClick={() => choose(onProfile)}>
            <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.9"
              strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
              <circle cx="12" cy="8" r="4" />
              <path d="M4 21a8 8 0 0 1 16 0" />
            </svg>
            Profile
          </button>
          {notify?.permission === 'default' && (
            <button type="button" role="menuitem" tabIndex={-1} className="usermenu-item" onClick={() => choose(() => void notify.ask())}>
              <BellIcon size={18} />
              Turn on desktop notifications
            </button>
          )}
          <button type="button" role="menuitem" tabIndex={-1} className="usermenu-item" onClick={() => choose(onSignOut)}>
            <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.9"
              strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
              <path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l5-5-5-5M15 12H4" />
            </svg>
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}
