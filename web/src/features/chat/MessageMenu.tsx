import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { EditIcon, EyeOffIcon, MoreIcon, ReplyIcon, SmilePlusIcon, TrashIcon } from './icons';

/** The message (list item) an element belongs to, where focus returns after a menu. */
function messageOf(el: HTMLElement | null): HTMLElement | null {
  return el?.closest<HTMLElement>('li.msg') ?? el;
}

/**
 * The actions of one message: a button that opens a small menu (↑/↓ move,
 * Esc closes and returns focus to the message, Tab leaves). Shown on hover
 * and when the message has focus; the button is not a Tab stop of its own
 * (the message list opens it with Enter), and a reaction button sits beside
 * it for the mouse.
 */
export function MessageMenu({
  canEdit,
  canDeleteForEveryone,
  onReply,
  onEdit,
  onReact,
  onDeleteForEveryone,
  onDeleteForMe,
}: {
  canEdit: boolean;
  canDeleteForEveryone: boolean;
  onReply: () => void;
  onEdit: () => void;
  /** Opens the reaction picker by this element. */
  onReact: (anchor: HTMLElement) => void;
  onDeleteForEveryone: () => void;
  onDeleteForMe: () => void;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const react = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return undefined;
    menu.current?.querySelector<HTMLButtonElement>('[role="menuitem"]')?.focus();
    const onDown = (e: PointerEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const items = [...(menu.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
      messageOf(button.current)?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      items[e.key === 'Home' ? 0 : items.length - 1]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
    // The message list must not take the menu's keys for its own.
    e.stopPropagation();
  }

  const choose = (fn: () => void) => () => {
    setOpen(false);
    messageOf(button.current)?.focus({ preventScroll: true });
    fn();
  };

  return (
    <div className={`msg-actions${open ? ' msg-actions-open' : ''}`}>
      <button
        ref={react}
        type="button"
        className="msg-actions-button"
        tabIndex={-1}
        data-roving-skip
        aria-label="Add reaction"
        title="Add reaction"
        onClick={() => react.current && onReact(react.current)}
      >
        <SmilePlusIcon size={18} />
      </button>
      <button
        ref={button}
        type="button"
        className="msg-actions-button"
        tabIndex={-1}
        data-roving-skip
        aria-label="Message actions"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        <MoreIcon />
      </button>
      {open && (
        <div ref={menu} id={id} role="menu" aria-label="Message actions" className="msg-menu" onKeyDown={onKeyDown}>
          <button type="button" role="menuitem" className="msg-menu-item" onClick={choose(onReply)}>
            <ReplyIcon />
            Reply
          </button>
          <button type="button" role="menuitem" className="msg-menu-item" onClick={choose(() => react.current && onReact(react.current))}>
            <SmilePlusIcon />
            Add reaction
          </button>
          {canEdit && (
            <button type="button" role="menuitem" className="msg-menu-item" onClick={choose(onEdit)}>
              <EditIcon />
              Edit
            </button>
          )}
          {canDeleteForEveryone && (
            <button type="button" role="menuitem" className="msg-menu-item msg-menu-danger" onClick={choose(onDeleteForEveryone)}>
              <TrashIcon />
              Delete for everyone
            </button>
          )}
          <button type="button" role="menuitem" className="msg-menu-item" onClick={choose(onDeleteForMe)}>
            <EyeOffIcon />
            Delete for me
          </button>
        </div>
      )}
    </div>
  );
}
