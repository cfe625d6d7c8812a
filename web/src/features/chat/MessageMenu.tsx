import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { EyeOffIcon, MoreIcon, TrashIcon } from './icons';

/**
 * The actions of one message: a button that opens a small menu (↑/↓ move,
 * Esc closes and returns focus, Tab leaves). Shown on hover and focus.
 */
export function MessageMenu({
  canDeleteForEveryone,
  onDeleteForEveryone,
  onDeleteForMe,
}: {
  canDeleteForEveryone: boolean;
  onDeleteForEveryone: () => void;
  onDeleteForMe: () => void;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
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
      setOpen(false);
      button.current?.focus();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (at + (e.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  }

  const choose = (fn: () => void) => () => {
    setOpen(false);
    button.current?.focus();
    fn();
  };

  return (
    <div className={`msg-actions${open ? ' msg-actions-open' : ''}`}>
      <button
        ref={button}
        type="button"
        className="msg-actions-button"
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
